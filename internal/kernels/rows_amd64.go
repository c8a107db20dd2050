//go:build !purego

package kernels

import "math"

// Row kernels in rows_amd64.s (AVX2+FMA; GELU and its gradient also in
// AVX-512). Pointers are to the first element; the Go wrappers below check
// lengths and fall back to the pure-Go versions without AVX2 or for empty
// rows.

//go:noescape
func dotAVX2(x, y *float32, n int) float32

//go:noescape
func sumAVX2(x *float32, n int) float32

//go:noescape
func maxAVX2(x *float32, n int) float32

//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

//go:noescape
func scaleAVX2(alpha float32, x *float32, n int)

//go:noescape
func addConstAVX2(dst, src *float32, n int, c float32)

//go:noescape
func expAVX2(dst, src *float32, n int)

//go:noescape
func expShiftSumAVX2(dst, src *float32, n int, shift float32) float32

//go:noescape
func tanhAVX2(dst, src *float32, n int)

//go:noescape
func geluAVX2(dst, src *float32, n int)

//go:noescape
func geluAVX512(dst, src *float32, n int)

//go:noescape
func geluBackwardAVX512(dx, dout, x *float32, n int)

//go:noescape
func geluBackwardAVX2(dx, dout, x *float32, n int)

//go:noescape
func sumSqDevAVX2(x *float32, n int, mean float32) float32

//go:noescape
func normAffineAVX2(out, x, w, b *float32, n int, mean, rstd float32)

//go:noescape
func lnBackSumsAVX2(dw, db, dout, x, w *float32, n int, mean, rstd float32) (sumG, sumGX float32)

//go:noescape
func lnBackDxAVX2(dx, dout, x, w *float32, n int, mean, rstd, c1, c2 float32)

// useAVX2Rows selects the assembly row kernels.
var useAVX2Rows = hasAVX2

func dot(x, y []float32) float32 {
	if useAVX2Rows && len(x) > 0 {
		return dotAVX2(&x[0], &y[0], len(x))
	}
	return dotGo(x, y)
}

func axpy(alpha float32, x, y []float32) {
	if useAVX2Rows && len(x) > 0 {
		axpyAVX2(alpha, &x[0], &y[0], len(x))
		return
	}
	axpyGo(alpha, x, y)
}

func scale(alpha float32, x []float32) {
	if useAVX2Rows && len(x) > 0 {
		scaleAVX2(alpha, &x[0], len(x))
		return
	}
	scaleGo(alpha, x)
}

func sum(x []float32) float32 {
	if useAVX2Rows && len(x) > 0 {
		return sumAVX2(&x[0], len(x))
	}
	return sumGo(x)
}

func maxRow(x []float32) float32 {
	if useAVX2Rows && len(x) > 0 {
		return maxAVX2(&x[0], len(x))
	}
	return maxGo(x)
}

func exp(dst, src []float32) {
	if useAVX2Rows && len(src) > 0 {
		expAVX2(&dst[0], &src[0], len(src))
		return
	}
	expGo(dst, src)
}

func softmax(dst, src []float32) {
	n := len(src)
	if !useAVX2Rows || n == 0 {
		softmaxGo(dst, src)
		return
	}
	m := maxAVX2(&src[0], n)
	s := expShiftSumAVX2(&dst[0], &src[0], n, m)
	scaleAVX2(1/s, &dst[0], n)
}

func logSoftmax(dst, src []float32) {
	n := len(src)
	if !useAVX2Rows || n == 0 {
		logSoftmaxGo(dst, src)
		return
	}
	m := maxAVX2(&src[0], n)
	// Σ exp(src-m) in chunks through a stack buffer, since dst may be src.
	var buf [512]float32
	var s float64
	for i := 0; i < n; i += len(buf) {
		c := min(len(buf), n-i)
		s += float64(expShiftSumAVX2(&buf[0], &src[i], c, m))
	}
	// (src-m) - log s, not src - (m + log s): m + log s would round to the
	// precision of m, losing ~1e-4 of a logit near 1000.
	addConstAVX2(&dst[0], &src[0], n, -m)
	addConstAVX2(&dst[0], &dst[0], n, -float32(math.Log(s)))
}

func tanh(dst, src []float32) {
	if useAVX2Rows && len(src) > 0 {
		tanhAVX2(&dst[0], &src[0], len(src))
		return
	}
	tanhGo(dst, src)
}

func gelu(dst, src []float32) {
	if useAVX512Rows && len(src) > 0 {
		geluAVX512(&dst[0], &src[0], len(src))
		return
	}
	if useAVX2Rows && len(src) > 0 {
		geluAVX2(&dst[0], &src[0], len(src))
		return
	}
	geluGo(dst, src)
}

func geluBackward(dx, dout, x []float32) {
	if useAVX512Rows && len(x) > 0 {
		geluBackwardAVX512(&dx[0], &dout[0], &x[0], len(x))
		return
	}
	if useAVX2Rows && len(x) > 0 {
		geluBackwardAVX2(&dx[0], &dout[0], &x[0], len(x))
		return
	}
	geluBackwardGo(dx, dout, x)
}

func layerNorm(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	n := len(x)
	if !useAVX2Rows || n == 0 || w == nil || b == nil {
		return layerNormGo(out, x, w, b, eps)
	}
	mean = sumAVX2(&x[0], n) / float32(n)
	v := float64(sumSqDevAVX2(&x[0], n, mean)) / float64(n)
	rstd = float32(1 / math.Sqrt(v+float64(eps)))
	normAffineAVX2(&out[0], &x[0], &w[0], &b[0], n, mean, rstd)
	return mean, rstd
}

func layerNormBackward(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	n := len(x)
	if !useAVX2Rows || n == 0 || dw == nil || db == nil || w == nil {
		layerNormBackwardGo(dx, dw, db, dout, x, w, mean, rstd)
		return
	}
	sumG, sumGX := lnBackSumsAVX2(&dw[0], &db[0], &dout[0], &x[0], &w[0], n, mean, rstd)
	inv := 1 / float32(n)
	lnBackDxAVX2(&dx[0], &dout[0], &x[0], &w[0], n, mean, rstd, inv*sumG, inv*sumGX)
}

//go:noescape
func dotInt8AVX2(x, y *int8, n int) int32

func dotInt8(x, y []int8) int32 {
	if useAVX2Rows && len(x) > 0 {
		return dotInt8AVX2(&x[0], &y[0], len(x))
	}
	return dotInt8Go(x, y)
}
