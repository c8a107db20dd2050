//go:build !purego

package kernels

// Strided row kernels in strided_amd64.s (AVX-512 for rows whose length
// is a multiple of 16, AVX2+FMA for multiples of 8); others go to the
// pure-Go versions.

//go:noescape
func dotRowsAVX2(s, x, y *float32, ld, rows, n int)

//go:noescape
func axpyRowsAVX2(y, a, x *float32, ld, rows, n int)

//go:noescape
func dotRowsAVX512(s, x, y *float32, ld, rows, n int)

//go:noescape
func axpyRowsAVX512(y, a, x *float32, ld, rows, n int)

// useAVX512Rows selects the AVX-512 strided kernels (a variable so tests
// can run the AVX2 ones too).
var useAVX512Rows = hasAVX512

func dotRows(s, x, y []float32, ld int) {
	if useAVX512Rows && len(x)%16 == 0 {
		dotRowsAVX512(&s[0], &x[0], &y[0], ld, len(s), len(x))
		return
	}
	if useAVX2Rows && len(x)%8 == 0 {
		dotRowsAVX2(&s[0], &x[0], &y[0], ld, len(s), len(x))
		return
	}
	dotRowsGo(s, x, y, ld)
}

func axpyRows(y, a, x []float32, ld int) {
	if useAVX512Rows && len(y)%16 == 0 {
		axpyRowsAVX512(&y[0], &a[0], &x[0], ld, len(a), len(y))
		return
	}
	if useAVX2Rows && len(y)%8 == 0 {
		axpyRowsAVX2(&y[0], &a[0], &x[0], ld, len(a), len(y))
		return
	}
	axpyRowsGo(y, a, x, ld)
}
