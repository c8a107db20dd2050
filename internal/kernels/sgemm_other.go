//go:build purego || !amd64

package kernels

// bestImpl is the SGEMM implementation Sgemm uses on this build.
var bestImpl = goImpl

// implFor returns the implementation for a C with n columns.
func implFor(n int) *gemmImpl { return &bestImpl }

// gemmImpls lists every SGEMM implementation this build and CPU can run,
// for tests and benchmarks.
func gemmImpls() []*gemmImpl { return []*gemmImpl{&goImpl} }
