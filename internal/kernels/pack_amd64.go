//go:build !purego

package kernels

//go:noescape
func copyGroupsAVX512(dst *float32, dstStride int, src *float32, srcStride, n, w int)

//go:noescape
func transposePanelAVX2(dst *float32, nr int, src *float32, ldb, kb8, w8 int)

// useAVX2Pack selects the AVX2 transposing pack (a variable so tests can
// run the Go one too).
var useAVX2Pack = hasAVX2

// transposePanelAsm runs transposePanel's blocks in AVX2, reporting
// whether it could.
func transposePanelAsm(dst []float32, nr int, src []float32, ldb, kb8, w8 int) bool {
	if !useAVX2Pack {
		return false
	}
	transposePanelAVX2(&dst[0], nr, &src[0], ldb, kb8, w8)
	return true
}

// useAVX512Pack selects the AVX-512 packing helper (a variable so tests can
// run the Go one too).
var useAVX512Pack = hasAVX512

// copyGroupsAsm runs copyGroups in AVX-512, reporting whether it could.
func copyGroupsAsm(dst []float32, dstStride int, src []float32, srcStride, n, w int) bool {
	if !useAVX512Pack {
		return false
	}
	copyGroupsAVX512(&dst[0], dstStride, &src[0], srcStride, n, w)
	return true
}
