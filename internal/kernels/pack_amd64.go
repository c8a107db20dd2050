//go:build !purego

package kernels

//go:noescape
func copyGroupsAVX512(dst *float32, dstStride int, src *float32, srcStride, n, w int)

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
