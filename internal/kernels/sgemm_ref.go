package kernels

// sgemmRef is the plain triple loop, the reference every faster path is
// tested against. Each C element is accumulated in float32 in the order
// p = 0..k-1; the loops run i, p, j (with a row of accumulators) so that
// B is read along its rows. Element (i,p) of op(A) is a[i*ars+p*acs] and
// (p,j) of op(B) is b[p*brs+j*bcs], with the strides set by the transposes.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ars, acs := lda, 1
	if transA {
		ars, acs = 1, lda
	}
	brs, bcs := ldb, 1
	if transB {
		brs, bcs = 1, ldb
	}
	acc := make([]float32, n)
	for i := 0; i < m; i++ {
		clear(acc)
		for p := 0; p < k; p++ {
			av := a[i*ars+p*acs]
			for j := range acc {
				acc[j] += av * b[p*brs+j*bcs]
			}
		}
		for j, s := range acc {
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
