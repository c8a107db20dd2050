package tensor

import (
	"fmt"

	"github.com/golemml/golem/internal/kernels"
)

// broadcastShape returns the NumPy broadcast of shapes a and b.
func broadcastShape(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			panic(fmt.Sprintf("tensor.%s: shapes %v and %v do not broadcast", op, a, b))
		}
	}
	return out
}

// broadcastStrides returns t's strides for iterating over shape (which t
// broadcasts to): 0 along broadcast dimensions.
func broadcastStrides(t *Tensor, shape []int) []int {
	st := make([]int, len(shape))
	k := len(shape) - len(t.shape)
	for i := range t.shape {
		if t.shape[i] != 1 {
			st[k+i] = t.strides[i]
		}
	}
	return st
}

// iterRuns walks shape in row-major order, calling fn once per run along
// the last dimension with the starting storage offsets of each operand and
// the run length. strides[k] are operand k's strides over shape.
func iterRuns(shape []int, offsets []int, strides [][]int, fn func(offs []int, n int)) {
	nd := len(shape)
	if numel(shape) == 0 {
		return
	}
	offs := append([]int(nil), offsets...)
	if nd == 0 {
		fn(offs, 1)
		return
	}
	idx := make([]int, nd)
	last := shape[nd-1]
	for {
		fn(offs, last)
		d := nd - 2
		for ; d >= 0; d-- {
			idx[d]++
			for k := range offs {
				offs[k] += strides[k][d]
			}
			if idx[d] < shape[d] {
				break
			}
			for k := range offs {
				offs[k] -= idx[d] * strides[k][d]
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// sumTo reduces g (of a broadcast shape) to shape by summing over the
// broadcast dimensions. It returns g itself when the shapes already match.
func sumTo(g *Tensor, shape []int) *Tensor {
	if sameShape(g.shape, shape) {
		return g
	}
	out := newTensor(shape, true)
	ost := broadcastStrides(out, g.shape)
	od := out.st.data
	gd := g.st.data
	iterRuns(g.shape, []int{g.offset, 0}, [][]int{g.strides, ost}, func(offs []int, n int) {
		gs, os := g.strides[len(g.strides)-1], ost[len(ost)-1]
		go_, oo := offs[0], offs[1]
		if gs == 1 && os == 1 {
			kernels.Axpy(1, gd[go_:go_+n], od[oo:oo+n])
			return
		}
		if gs == 1 && os == 0 {
			od[oo] += kernels.Sum(gd[go_ : go_+n])
			return
		}
		if os == 0 {
			var s float32
			for j := 0; j < n; j++ {
				s += gd[go_+j*gs]
			}
			od[oo] += s
			return
		}
		for j := 0; j < n; j++ {
			od[oo+j*os] += gd[go_+j*gs]
		}
	})
	return out
}
