//go:build purego || !amd64

package kernels

// bestImpl is the SGEMM implementation Sgemm uses on this build.
var bestImpl = goImpl

// gemmImpls lists every SGEMM implementation this build and CPU can run,
// for tests and benchmarks.
func gemmImpls() []*gemmImpl { return []*gemmImpl{&goImpl} }
