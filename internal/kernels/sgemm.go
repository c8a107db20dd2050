package kernels

import "fmt"

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices,
// where op(X) is X or Xᵀ as transA/transB say.
//
//	op(A) is (m,k): A is (m,k) with row stride lda, or (k,m) if transA
//	op(B) is (k,n): B is (k,n) with row stride ldb, or (n,k) if transB
//	C is (m,n) with row stride ldc
//
// When beta is 0, C is not read (NaNs in C do not propagate), as in BLAS.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels.Sgemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(name string, rows, cols, ld, l int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("kernels.Sgemm: ld%s=%d < %d columns", name, ld, cols))
		}
		if l < (rows-1)*ld+cols {
			panic(fmt.Sprintf("kernels.Sgemm: %s has %d elements, need (%d×%d, ld %d)", name, l, rows, cols, ld))
		}
	}
	need("a", ar, ac, lda, la)
	need("b", br, bc, ldb, lb)
	need("c", m, n, ldc, lc)
}
