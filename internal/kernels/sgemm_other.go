//go:build purego || !amd64

package kernels

// bestImpl is the SGEMM implementation Sgemm uses on this build.
var bestImpl = goImpl

// implFor returns the implementation for a C with n columns.
func implFor(n int) *gemmImpl { return &bestImpl }

// gemmImpls lists every SGEMM implementation this build and CPU can run,
// for tests and benchmarks.
func gemmImpls() []*gemmImpl { return []*gemmImpl{&goImpl} }

// useAVX512Pack and useAVX2Pack are false: this build packs in Go.
var useAVX512Pack, useAVX2Pack = false, false

// transposePanelAsm and copyGroupsAsm report that this build has no
// assembly for them.
func transposePanelAsm(dst []float32, nr int, src []float32, ldb, kb8, w8 int) bool { return false }

func copyGroupsAsm(dst []float32, dstStride int, src []float32, srcStride, n, w int) bool {
	return false
}
