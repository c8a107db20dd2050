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

// sgdAVX2 computes, for len(data)/8·8 values, b = fma(damp, g, b·mom) and
// p = fma(lr, b, p) (momentum SGD after its first step), or p = fma(lr, g, p)
// when buf is empty.
//
//go:noescape
func sgdAVX2(data, grad, buf []float32, lr, mom, damp float32)

// sgdVec runs the vector SGD update on the longest prefix it can and
// returns its length; buf may be nil (no momentum).
func sgdVec(data, grad, buf []float32, lr, mom, damp float32) int {
	n := len(data) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	if buf != nil {
		buf = buf[:n]
	}
	sgdAVX2(data[:n], grad[:n], buf, lr, mom, damp)
	return n
}

// rmspropAVX2 is RMSProp (not centered, no L2) on len(data)/8·8 values:
// sq = fma((1-α)·g, g, sq·α), avg = √sq + e, then p += (lr·g)/avg, or with
// a momentum buffer b = b·mom + g/avg and p = fma(lr, b, p).
//
//go:noescape
func rmspropAVX2(data, grad, sq, buf []float32, lr, al, a1, e, mom float32)

func rmspropVec(data, grad, sq, buf []float32, lr, al, a1, e, mom float32) int {
	n := len(data) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	if buf != nil {
		buf = buf[:n]
	}
	rmspropAVX2(data[:n], grad[:n], sq[:n], buf, lr, al, a1, e, mom)
	return n
}

// adagradAVX2 is Adagrad (no L2) on len(data)/8·8 values:
// sum = fma(g, g, sum), p += (clr·g)/(√sum + e).
//
//go:noescape
func adagradAVX2(data, grad, sum []float32, clr, e float32)

func adagradVec(data, grad, sum []float32, clr, e float32) int {
	n := len(data) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	adagradAVX2(data[:n], grad[:n], sum[:n], clr, e)
	return n
}
