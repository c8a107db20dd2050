//go:build !purego

package kernels

// AVX-512 kernels in sgemm_amd64.s (see asmgen/gen.go's genNT): h rows of
// A against 4 rows of W.
//
//go:noescape
func kernelNT_1(k int, a *float32, lda int, w *float32, ldw int, c *float32, ldc int)

//go:noescape
func kernelNT_2(k int, a *float32, lda int, w *float32, ldw int, c *float32, ldc int)

//go:noescape
func kernelNT_3(k int, a *float32, lda int, w *float32, ldw int, c *float32, ldc int)

//go:noescape
func kernelNT_4(k int, a *float32, lda int, w *float32, ldw int, c *float32, ldc int)

//go:noescape
func kernelNT_5(k int, a *float32, lda int, w *float32, ldw int, c *float32, ldc int)

//go:noescape
func kernelNT_6(k int, a *float32, lda int, w *float32, ldw int, c *float32, ldc int)

var kernelsNT = [...]func(k int, a *float32, lda int, w *float32, ldw int, c *float32, ldc int){
	nil, kernelNT_1, kernelNT_2, kernelNT_3, kernelNT_4, kernelNT_5, kernelNT_6,
}

// useNT selects the assembly kernels (a variable so tests can turn them off).
var useNT = hasAVX512

// matMulNT computes the columns of C in whole groups of 4 with the AVX-512
// kernels, when k is a multiple of 16, and returns how many it did (the
// caller does the rest). Four rows of W at a time sweep every row of A, so
// each W row is read from memory once. MatMulNT has checked the shapes.
func matMulNT(m, n, k int, a []float32, lda int, w []float32, ldw int, c []float32, ldc int) int {
	if !useNT || k == 0 || k%16 != 0 {
		return 0
	}
	n4 := n &^ 3
	for j := 0; j < n4; j += 4 {
		for i := 0; i < m; i += 6 {
			h := min(6, m-i)
			kernelsNT[h](k, &a[i*lda], lda, &w[j*ldw], ldw, &c[i*ldc+j], ldc)
		}
	}
	return n4
}
