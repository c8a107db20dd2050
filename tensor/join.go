package tensor

import "fmt"

// Concat joins tensors along axis, as torch.cat: every input has the same
// shape except along axis. Negative axis counts from the end.
func Concat(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Concat: no tensors")
	}
	a := ts[0].axis("Concat", axis)
	shapes := make([][]int, len(ts))
	outShape := append([]int(nil), ts[0].shape...)
	outShape[a] = 0
	for i, t := range ts {
		t.live("Concat")
		if len(t.shape) != len(ts[0].shape) {
			panic(fmt.Sprintf("tensor.Concat: tensor %d has shape %v, tensor 0 has %v", i, t.shape, ts[0].shape))
		}
		for d := range t.shape {
			if d != a && t.shape[d] != ts[0].shape[d] {
				panic(fmt.Sprintf("tensor.Concat: tensor %d has shape %v, tensor 0 has %v (they may differ only on axis %d)", i, t.shape, ts[0].shape, a))
			}
		}
		shapes[i] = t.shape
		outShape[a] += t.shape[a]
	}
	return join("Concat", a, ts, shapes, outShape)
}

// Stack joins tensors of one shape along a new axis, as torch.stack: the
// result has shape[axis] = len(ts). axis may be -1 for a new last axis.
func Stack(axis int, ts ...*Tensor) *Tensor {
	if len(ts) == 0 {
		panic("tensor.Stack: no tensors")
	}
	nd := ts[0].Dim() + 1
	a := axis
	if a < 0 {
		a += nd
	}
	if a < 0 || a >= nd {
		panic(fmt.Sprintf("tensor.Stack: axis %d out of range for stacking shape %v", axis, ts[0].shape))
	}
	sh := append(append(append([]int(nil), ts[0].shape[:a]...), 1), ts[0].shape[a:]...)
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		t.live("Stack")
		if !sameShape(t.shape, ts[0].shape) {
			panic(fmt.Sprintf("tensor.Stack: tensor %d has shape %v, tensor 0 has %v", i, t.shape, ts[0].shape))
		}
		shapes[i] = sh
	}
	outShape := append([]int(nil), sh...)
	outShape[a] = len(ts)
	return join("Stack", a, ts, shapes, outShape)
}

// join copies each ts[i], laid out row-major as shapes[i], into its block
// along axis a of a new tensor of outShape.
func join(op string, a int, ts []*Tensor, shapes [][]int, outShape []int) *Tensor {
	out := newTensor(outShape, false)
	od := out.st.data
	outer, total, inner := axisLayout(outShape, a)
	pos := 0
	starts := make([]int, len(ts))
	for i, t := range ts {
		starts[i] = pos
		n := shapes[i][a] * inner
		if n > 0 {
			x := t.contiguousRaw()
			xd := x.st.data[x.offset : x.offset+outer*n]
			for o := 0; o < outer; o++ {
				copy(od[(o*total+pos)*inner:], xd[o*n:(o+1)*n])
			}
			if x != t {
				x.Release()
			}
		}
		pos += shapes[i][a]
	}
	ts = append([]*Tensor(nil), ts...)
	return record(op, out, ts, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		gd := gc.st.data[gc.offset : gc.offset+len(od)]
		gs := make([]*Tensor, len(ts))
		for i, t := range ts {
			if !t.requiresGrad {
				continue
			}
			gi := newTensor(t.shape, false)
			n := shapes[i][a] * inner
			for o := 0; o < outer; o++ {
				copy(gi.st.data[o*n:(o+1)*n], gd[(o*total+starts[i])*inner:])
			}
			gs[i] = gi
		}
		if gc != g {
			gc.Release()
		}
		return gs
	})
}

// Split cuts t along axis into pieces of the given sizes, which must add
// up to t's size there, as torch.split with a list. The pieces are views.
func Split(t *Tensor, axis int, sizes ...int) []*Tensor {
	a := t.axis("Split", axis)
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("tensor.Split: negative size in %v for shape %v", sizes, t.shape))
		}
		total += s
	}
	if total != t.shape[a] {
		panic(fmt.Sprintf("tensor.Split: sizes %v add up to %d, axis %d of shape %v is %d", sizes, total, a, t.shape, t.shape[a]))
	}
	out := make([]*Tensor, len(sizes))
	pos := 0
	for i, s := range sizes {
		out[i] = t.Narrow(a, pos, s)
		pos += s
	}
	return out
}

// Chunk cuts t along axis into chunks pieces of equal size (the last may
// be smaller, and fewer pieces are returned when the size does not allow
// chunks of them), as torch.chunk. The pieces are views.
func Chunk(t *Tensor, axis, chunks int) []*Tensor {
	a := t.axis("Chunk", axis)
	if chunks <= 0 {
		panic(fmt.Sprintf("tensor.Chunk: %d chunks of shape %v", chunks, t.shape))
	}
	n := t.shape[a]
	size := (n + chunks - 1) / chunks
	var sizes []int
	for pos := 0; pos < n; pos += size {
		sizes = append(sizes, min(size, n-pos))
	}
	if n == 0 {
		sizes = []int{0}
	}
	return Split(t, a, sizes...)
}
