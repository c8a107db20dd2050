package kernels

import "math"

// The pure-Go row kernels: the fallback on every CPU and GOARCH without
// the assembly versions, and the reference those are tested against. The
// exported kernels and their documentation are in rows_api.go.

// dotGo: Dot returns Σ x[i]·y[i].
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// axpyGo: Axpy computes y += alpha·x.
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// scaleGo: Scale computes x *= alpha.
func scaleGo(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// sumGo: Sum returns Σ x[i].
func sumGo(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

// maxGo: Max returns max x[i]; -Inf for an empty slice.
func maxGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// expGo: Exp computes dst[i] = exp(src[i]).
func expGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// softmaxGo: Softmax computes dst = softmax(src), stable (max subtracted). dst may be src.
func softmaxGo(dst, src []float32) {
	dst = dst[:len(src)]
	m := maxGo(src)
	var s float32
	for i, v := range src {
		e := float32(math.Exp(float64(v - m)))
		dst[i] = e
		s += e
	}
	scaleGo(1/s, dst)
}

// logSoftmaxGo: LogSoftmax computes dst = log(softmax(src)), stable. dst may be src.
func logSoftmaxGo(dst, src []float32) {
	dst = dst[:len(src)]
	m := maxGo(src)
	var s float64
	for _, v := range src {
		s += math.Exp(float64(v - m))
	}
	// (v-m) - log s, not v - (m + log s): m + log s would round to the
	// precision of m, losing ~1e-4 of a logit near 1000.
	ls := float32(math.Log(s))
	for i, v := range src {
		dst[i] = (v - m) - ls
	}
}

// layerNormGo: LayerNorm normalizes one row: out = (x-mean)/sqrt(var+eps)·w + b, with
// the biased variance as PyTorch's nn.LayerNorm. w or b may be nil (1 and 0).
// It returns mean and rstd = 1/sqrt(var+eps), which LayerNormBackward needs.
func layerNormGo(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	n := len(x)
	out = out[:n]
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mu := s / float64(n)
	var vs float64
	for _, v := range x {
		d := float64(v) - mu
		vs += d * d
	}
	rs := 1 / math.Sqrt(vs/float64(n)+float64(eps))
	mean, rstd = float32(mu), float32(rs)
	for i, v := range x {
		y := (v - mean) * rstd
		if w != nil {
			y *= w[i]
		}
		if b != nil {
			y += b[i]
		}
		out[i] = y
	}
	return mean, rstd
}

// layerNormBackwardGo: LayerNormBackward accumulates the gradients of one LayerNorm row:
// dx += ∂L/∂x, dw += dout·xhat, db += dout (dw, db may be nil), given the
// mean and rstd that LayerNorm returned.
func layerNormBackwardGo(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	n := len(x)
	var sumG, sumGX float32
	for i := 0; i < n; i++ {
		xh := (x[i] - mean) * rstd
		g := dout[i]
		if w != nil {
			g *= w[i]
		}
		sumG += g
		sumGX += g * xh
		if dw != nil {
			dw[i] += dout[i] * xh
		}
		if db != nil {
			db[i] += dout[i]
		}
	}
	inv := 1 / float32(n)
	for i := 0; i < n; i++ {
		xh := (x[i] - mean) * rstd
		g := dout[i]
		if w != nil {
			g *= w[i]
		}
		dx[i] += rstd * (g - inv*sumG - xh*inv*sumGX)
	}
}

// tanhGo: Tanh computes dst[i] = tanh(src[i]).
func tanhGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

const geluC = 0.7978845608028654 // sqrt(2/π)

// geluGo: GELU computes the tanh approximation used by GPT-2:
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). It evaluates the identical
// x·σ(2u) = x/(1+exp(-2u)) in float64, which keeps relative precision in
// the negative tail where 1 + tanh(u) cancels.
func geluGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		v := float64(x)
		u := geluC * (v + 0.044715*v*v*v)
		dst[i] = float32(v / (1 + math.Exp(-2*u)))
	}
}

// geluBackwardGo: GELUBackward accumulates dx += dout · GELU'(x) for the
// tanh approximation, GELU'(x) = σ + 2x·σ(1-σ)·u' with σ = σ(2u).
func geluBackwardGo(dx, dout, x []float32) {
	dx = dx[:len(x)]
	dout = dout[:len(x)]
	for i, xv := range x {
		v := float64(xv)
		u := geluC * (v + 0.044715*v*v*v)
		s := 1 / (1 + math.Exp(-2*u))
		du := geluC * (1 + 3*0.044715*v*v)
		dx[i] += dout[i] * float32(s+2*v*s*(1-s)*du)
	}
}
