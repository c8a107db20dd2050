package kernels

import "fmt"

// Row kernels. Each works on one contiguous row (a slice); callers
// parallelize over rows (see ParallelFor). Lengths must match: a slice
// shorter than the first operand panics. On amd64 with AVX2+FMA these run
// in assembly (rows_amd64.s); elsewhere, and with -tags purego, in Go
// (rows.go). The assembly exp, tanh and GELU use polynomial approximations
// accurate to a few ulp (see the tests for the bounds); the Go versions
// round float64 math results.

// Dot returns Σ x[i]·y[i].
func Dot(x, y []float32) float32 { return dot(x, y[:len(x)]) }

// Axpy computes y += alpha·x.
func Axpy(alpha float32, x, y []float32) { axpy(alpha, x, y[:len(x)]) }

// Scale computes x *= alpha.
func Scale(alpha float32, x []float32) { scale(alpha, x) }

// Sum returns Σ x[i].
func Sum(x []float32) float32 { return sum(x) }

// Max returns max x[i], skipping NaNs; -Inf for an empty slice.
func Max(x []float32) float32 { return maxRow(x) }

// Exp computes dst[i] = exp(src[i]): 0 below about -103.9 (with subnormal
// results above that), +Inf above about 88.72, NaN for NaN.
func Exp(dst, src []float32) { exp(dst[:len(src)], src) }

// Softmax computes dst = softmax(src), stable (max subtracted). dst may be src.
func Softmax(dst, src []float32) { softmax(dst[:len(src)], src) }

// LogSoftmax computes dst = log(softmax(src)), stable. dst may be src.
func LogSoftmax(dst, src []float32) { logSoftmax(dst[:len(src)], src) }

// LayerNorm normalizes one row: out = (x-mean)/sqrt(var+eps)·w + b, with
// the biased variance as PyTorch's nn.LayerNorm. w or b may be nil (1 and 0).
// It returns mean and rstd = 1/sqrt(var+eps), which LayerNormBackward needs.
func LayerNorm(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	n := len(x)
	checkRow("LayerNorm", "w", w, n)
	checkRow("LayerNorm", "b", b, n)
	return layerNorm(out[:n], x, w, b, eps)
}

// LayerNormBackward accumulates the gradients of one LayerNorm row:
// dx += ∂L/∂x, dw += dout·xhat, db += dout (dw, db may be nil), given the
// mean and rstd that LayerNorm returned.
func LayerNormBackward(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	n := len(x)
	checkRow("LayerNormBackward", "dw", dw, n)
	checkRow("LayerNormBackward", "db", db, n)
	checkRow("LayerNormBackward", "w", w, n)
	layerNormBackward(dx[:n], dw, db, dout[:n], x, w, mean, rstd)
}

// Tanh computes dst[i] = tanh(src[i]).
func Tanh(dst, src []float32) { tanh(dst[:len(src)], src) }

// GELU computes the tanh approximation used by GPT-2:
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func GELU(dst, src []float32) { gelu(dst[:len(src)], src) }

// GELUBackward accumulates dx += dout · GELU'(x) for the tanh approximation.
func GELUBackward(dx, dout, x []float32) { geluBackward(dx[:len(x)], dout[:len(x)], x) }

// checkRow panics unless the optional row s is nil or holds n values.
func checkRow(op, name string, s []float32, n int) {
	if s != nil && len(s) < n {
		panic(fmt.Sprintf("kernels.%s: len(%s) = %d < %d", op, name, len(s), n))
	}
}
