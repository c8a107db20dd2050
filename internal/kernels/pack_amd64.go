//go:build !purego

package kernels

import "fmt"

//go:noescape
func copyGroupsAVX512(dst *float32, dstStride int, src *float32, srcStride, n, w int)

//go:noescape
func transposePanelAVX2(dst *float32, nr int, src *float32, ldb, kb8, w8 int)

// useAVX2Pack selects the AVX2 transposing pack (a variable so tests can
// run the Go one too).
var useAVX2Pack = hasAVX2

// transposePanel packs the transposed B panel's whole 8×8 blocks, rows
// [0, 8·w8) of src (stride ldb) and steps [0, 8·kb8), into dst (stride nr),
// and reports whether it did (it does not without AVX2).
func transposePanel(dst []float32, nr int, src []float32, ldb, kb8, w8 int) bool {
	if !useAVX2Pack || kb8 <= 0 || w8 <= 0 {
		return false
	}
	if (8*w8-1)*ldb+8*kb8 > len(src) || (8*kb8-1)*nr+8*w8 > len(dst) || ldb < 8*kb8 || nr < 8*w8 {
		panic(fmt.Sprintf("kernels: transposePanel of %d×%d blocks (ldb %d, nr %d) over %d and %d floats", w8, kb8, ldb, nr, len(src), len(dst)))
	}
	transposePanelAVX2(&dst[0], nr, &src[0], ldb, kb8, w8)
	return true
}

// useAVX512Pack selects the AVX-512 packing helper (a variable so tests can
// run the Go one too).
var useAVX512Pack = hasAVX512

// copyGroups copies n groups of w floats (1 ≤ w ≤ 16), src[i·srcStride:][:w]
// to dst[i·dstStride:][:w]: one masked load and store per group with
// AVX-512.
func copyGroups(dst []float32, dstStride int, src []float32, srcStride, n, w int) {
	if n <= 0 {
		return
	}
	checkGroups(dst, dstStride, src, srcStride, n, w)
	if useAVX512Pack {
		copyGroupsAVX512(&dst[0], dstStride, &src[0], srcStride, n, w)
		return
	}
	copyGroupsGo(dst, dstStride, src, srcStride, n, w)
}
