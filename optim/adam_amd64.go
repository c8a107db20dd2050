//go:build !purego

package optim

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2+FMA update loops; tests switch it off to
// compare with the pure-Go loops.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// adamConsts are the per-step scalars of an Adam update, in the order
// adam_amd64.s reads them.
type adamConsts struct {
	stepSize, bc2s, b1, a1, b2, a2, e, decay float32
}

// adamAVX2 updates len(data)/8·8 values (data, grad, m, v of equal
// length); see adamJob.chunk for the arithmetic.
//
//go:noescape
func adamAVX2(data, grad, m, v []float32, c *adamConsts)

// adamVec runs the vector update on the longest prefix it can and returns
// its length.
func adamVec(data, grad, m, v []float32, c *adamConsts) int {
	n := len(data) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	adamAVX2(data[:n], grad[:n], m[:n], v[:n], c)
	return n
}
