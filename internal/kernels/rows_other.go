//go:build purego || !amd64

package kernels

// Without assembly every row kernel is its pure-Go version.

func dot(x, y []float32) float32         { return dotGo(x, y) }
func axpy(alpha float32, x, y []float32) { axpyGo(alpha, x, y) }
func scale(alpha float32, x []float32)   { scaleGo(alpha, x) }
func sum(x []float32) float32            { return sumGo(x) }
func maxRow(x []float32) float32         { return maxGo(x) }
func exp(dst, src []float32)             { expGo(dst, src) }
func softmax(dst, src []float32)         { softmaxGo(dst, src) }
func logSoftmax(dst, src []float32)      { logSoftmaxGo(dst, src) }
func tanh(dst, src []float32)            { tanhGo(dst, src) }
func gelu(dst, src []float32)            { geluGo(dst, src) }
func geluBackward(dx, dout, x []float32) { geluBackwardGo(dx, dout, x) }
func layerNorm(out, x, w, b []float32, eps float32) (mean, rstd float32) {
	return layerNormGo(out, x, w, b, eps)
}
func layerNormBackward(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	layerNormBackwardGo(dx, dw, db, dout, x, w, mean, rstd)
}

func dotInt8(x, y []int8) int32 { return dotInt8Go(x, y) }
