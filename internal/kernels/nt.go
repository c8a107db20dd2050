package kernels

import "fmt"

// MatMulNT sets c[i*ldc+j] = Σₚ a[i*lda+p]·w[j*ldw+p] for i < m, j < n:
// A (m×k) times Wᵀ for W (n×k) row-major, as x·Wᵀ with nn.Linear's (out,
// in) weights, reading both in place along k. For a few rows of A and a W
// too large to keep a packed copy of, it does what SGEMM would after
// packing W, which for so few rows costs more than the product. It runs on
// the calling goroutine; callers split n for threads.
func MatMulNT(m, n, k int, a []float32, lda int, w []float32, ldw int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels.MatMulNT: negative size m=%d n=%d k=%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	checkStrided("MatMulNT", "a", len(a), m, k, lda)
	checkStrided("MatMulNT", "w", len(w), n, k, ldw)
	checkStrided("MatMulNT", "c", len(c), m, n, ldc)
	j := matMulNT(m, n, k, a, lda, w, ldw, c, ldc)
	for ; j < n; j++ { // the columns the assembly kernels left
		wr := w[j*ldw : j*ldw+k]
		for i := 0; i < m; i++ {
			c[i*ldc+j] = Dot(a[i*lda:i*lda+k], wr)
		}
	}
}
