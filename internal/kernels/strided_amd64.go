//go:build !purego

package kernels

// Strided row kernels in strided_amd64.s: AVX-512 for heads whose size is
// a multiple of 16, all heads in one pass; otherwise a pass per head,
// AVX2+FMA for head sizes that are multiples of 8, pure Go for others.

//go:noescape
func dotRowsAVX2(s, x, y *float32, ld, rows, n int)

//go:noescape
func axpyRowsAVX2(y, a, x *float32, ld, rows, n int)

//go:noescape
func dotRowsHeadsAVX512(s *float32, sld int, x, y *float32, ld, rows, nh, hs int)

//go:noescape
func axpyRowsHeadsAVX512(y *float32, hs int, a *float32, ald int, x *float32, ld, rows, nh int)

// useAVX512Rows selects the AVX-512 strided kernels (a variable so tests
// can run the AVX2 ones too).
var useAVX512Rows = hasAVX512

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

func dotRowsHeads(s []float32, sld int, x []float32, hs int, y []float32, ld, rows int) {
	if useAVX512Rows && hs%16 == 0 {
		dotRowsHeadsAVX512(&s[0], sld, &x[0], &y[0], ld, rows, len(x)/hs, hs)
		return
	}
	dotRowsHeadsGo(s, sld, x, hs, y, ld, rows)
}

func axpyRowsHeads(y []float32, hs int, a []float32, ald int, x []float32, ld, rows int) {
	if useAVX512Rows && hs%16 == 0 {
		axpyRowsHeadsAVX512(&y[0], hs, &a[0], ald, &x[0], ld, rows, len(y)/hs)
		return
	}
	axpyRowsHeadsGo(y, hs, a, ald, x, ld, rows)
}
