//go:build !purego

package kernels

// Strided row kernels in strided_amd64.s (AVX2+FMA), for rows whose
// length is a multiple of 8; others go to the pure-Go versions.

//go:noescape
func dotRowsAVX2(s, x, y *float32, ld, rows, n int)

//go:noescape
func axpyRowsAVX2(y, a, x *float32, ld, rows, n int)

func dotRows(s, x, y []float32, ld int) {
	if useAVX2Rows && len(x)%8 == 0 {
		dotRowsAVX2(&s[0], &x[0], &y[0], ld, len(s), len(x))
		return
	}
	dotRowsGo(s, x, y, ld)
}

func axpyRows(y, a, x []float32, ld int) {
	if useAVX2Rows && len(y)%8 == 0 {
		axpyRowsAVX2(&y[0], &a[0], &x[0], ld, len(a), len(y))
		return
	}
	axpyRowsGo(y, a, x, ld)
}
