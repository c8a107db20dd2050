package tensor

import (
	"math"

	"github.com/golemml/golem/internal/kernels"
)

// Elementwise functions of one tensor. Each returns a new contiguous tensor
// of t's shape; the gradients are those of PyTorch, including its choices
// at kinks (Abs and Clamp).

// Sqrt returns √x elementwise.
func Sqrt(t *Tensor) *Tensor {
	return unaryOp("Sqrt", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = float32(math.Sqrt(float64(v)))
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			dx[i] = v * 0.5 / y[i]
		}
	})
}

// Abs returns |x| elementwise; its gradient at 0 is 0, as torch.abs.
func Abs(t *Tensor) *Tensor {
	return unaryOp("Abs", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = float32(math.Abs(float64(v)))
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			switch {
			case x[i] > 0:
				dx[i] = v
			case x[i] < 0:
				dx[i] = -v
			default:
				dx[i] = 0
			}
		}
	})
}

// Sigmoid returns 1/(1+e⁻ˣ) elementwise, computed without overflow for
// large |x|.
func Sigmoid(t *Tensor) *Tensor {
	return unaryOp("Sigmoid", t, func(dst, x []float32) {
		// e = exp(-|x|) ≤ 1 never overflows; σ(x) = 1/(1+e) for x ≥ 0
		// and e/(1+e) below.
		for i, v := range x {
			dst[i] = -float32(math.Abs(float64(v)))
		}
		kernels.Exp(dst, dst)
		for i, v := range x {
			e := dst[i]
			if v >= 0 {
				dst[i] = 1 / (1 + e)
			} else {
				dst[i] = e / (1 + e)
			}
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			dx[i] = v * y[i] * (1 - y[i])
		}
	})
}

// GELU returns the exact Gaussian error linear unit x·Φ(x) =
// 0.5·x·(1+erf(x/√2)), PyTorch's default (approximate='none').
func GELU(t *Tensor) *Tensor {
	return unaryOp("GELU", t, func(dst, x []float32) {
		for i, v := range x {
			f := float64(v)
			dst[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
		}
	}, func(dx, g, x, y []float32) {
		const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
		for i, v := range g {
			f := float64(x[i])
			cdf := 0.5 * (1 + math.Erf(f/math.Sqrt2))
			pdf := invSqrt2Pi * math.Exp(-0.5*f*f)
			dx[i] = v * float32(cdf+f*pdf)
		}
	})
}

// GELUTanh returns the tanh approximation of GELU used by GPT-2 and BERT,
// 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³))), as PyTorch's
// gelu(approximate='tanh').
func GELUTanh(t *Tensor) *Tensor {
	return unaryOp("GELUTanh", t, kernels.GELU, func(dx, g, x, y []float32) {
		clear(dx)
		kernels.GELUBackward(dx, g, x)
	})
}

// PowScalar returns xᵖ elementwise. p = 2 and p = 0.5 take exact fast
// paths; other powers use math.Pow (negative bases with a non-integer p
// give NaN, as in PyTorch).
func PowScalar(t *Tensor, p float32) *Tensor {
	switch p {
	case 2:
		return unaryOp("PowScalar", t, func(dst, x []float32) {
			for i, v := range x {
				dst[i] = v * v
			}
		}, func(dx, g, x, y []float32) {
			for i, v := range g {
				dx[i] = 2 * v * x[i]
			}
		})
	case 0.5:
		return Sqrt(t)
	}
	pp := float64(p)
	return unaryOp("PowScalar", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = float32(math.Pow(float64(v), pp))
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			dx[i] = v * float32(pp*math.Pow(float64(x[i]), pp-1))
		}
	})
}

// AddScalar returns t + s elementwise.
func AddScalar(t *Tensor, s float32) *Tensor {
	return unaryOp("AddScalar", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = v + s
		}
	}, func(dx, g, x, y []float32) { copy(dx, g) })
}

// MulScalar returns t · s elementwise.
func MulScalar(t *Tensor, s float32) *Tensor {
	return unaryOp("MulScalar", t, func(dst, x []float32) {
		copy(dst, x)
		kernels.Scale(s, dst)
	}, func(dx, g, x, y []float32) {
		copy(dx, g)
		kernels.Scale(s, dx)
	})
}

// Clamp limits every element to [lo, hi], as torch.clamp. Use
// float32(math.Inf(±1)) for a one-sided clamp; when lo > hi every element
// becomes hi, as in PyTorch. The gradient passes where
// lo ≤ x ≤ hi and is 0 elsewhere. NaN stays NaN.
func Clamp(t *Tensor, lo, hi float32) *Tensor {
	return unaryOp("Clamp", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = min(max(v, lo), hi)
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			if x[i] >= lo && x[i] <= hi {
				dx[i] = v
			} else {
				dx[i] = 0
			}
		}
	})
}
