//go:build purego || !amd64

package kernels

// matMulNT computes no columns here: MatMulNT does them all with Dot.
func matMulNT(m, n, k int, a []float32, lda int, w []float32, ldw int, c []float32, ldc int) int {
	return 0
}
