package tensor

import (
	"fmt"
	"math/rand/v2"

	"github.com/golemml/golem/internal/kernels"
)

// IndexSelect picks the entries idx of t along axis, as torch.index_select:
// the result has shape[axis] = len(idx). Indices may repeat; their
// gradients add up.
func IndexSelect(t *Tensor, axis int, idx []int) *Tensor {
	t.live("IndexSelect")
	a := t.axis("IndexSelect", axis)
	outer, n, inner := axisLayout(t.shape, a)
	for i, j := range idx {
		if j < 0 || j >= n {
			panic(fmt.Sprintf("tensor.IndexSelect: index %d (position %d) out of range for axis %d of shape %v", j, i, a, t.shape))
		}
	}
	outShape := append([]int(nil), t.shape...)
	outShape[a] = len(idx)
	out := newTensor(outShape, false)
	od := out.st.data
	x := t.contiguousRaw()
	xd := x.st.data[x.offset : x.offset+t.Numel()]
	k := len(idx)
	parallelRows(outer*k, inner, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o, i := r/k, r%k
			copy(od[r*inner:(r+1)*inner], xd[(o*n+idx[i])*inner:])
		}
	})
	if x != t {
		x.Release()
	}
	return record("IndexSelect", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		gd := gc.st.data[gc.offset : gc.offset+len(od)]
		gi := newTensor(t.shape, true)
		gid := gi.st.data
		for r := 0; r < outer*k; r++ {
			o, i := r/k, r%k
			kernels.Axpy(1, gd[r*inner:(r+1)*inner], gid[(o*n+idx[i])*inner:(o*n+idx[i]+1)*inner])
		}
		if gc != g {
			gc.Release()
		}
		return []*Tensor{gi}
	})
}

// Gather looks up rows of a 2-D weight (V, D) by id: the embedding lookup
// of an Embedding layer. The result has shape (shape..., D), where shape
// defaults to (len(ids)); for token ids of a (B, T) batch pass shape B, T.
// The gradient of weight is scatter-added, so repeated ids accumulate.
func Gather(weight *Tensor, ids []int, shape ...int) *Tensor {
	weight.live("Gather")
	if weight.Dim() != 2 {
		panic(fmt.Sprintf("tensor.Gather: weight of shape %v is not 2-D (vocabulary, dimension)", weight.shape))
	}
	if len(shape) == 0 {
		shape = []int{len(ids)}
	}
	if numel(shape) != len(ids) {
		panic(fmt.Sprintf("tensor.Gather: %d ids do not fill shape %v", len(ids), shape))
	}
	v, d := weight.shape[0], weight.shape[1]
	for i, id := range ids {
		if id < 0 || id >= v {
			panic(fmt.Sprintf("tensor.Gather: id %d (position %d) out of range for weight of shape %v", id, i, weight.shape))
		}
	}
	outShape := append(append([]int(nil), shape...), d)
	out := newTensor(outShape, false)
	od := out.st.data
	w := weight.contiguousRaw()
	wd := w.st.data[w.offset : w.offset+v*d]
	parallelRows(len(ids), d, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			copy(od[r*d:(r+1)*d], wd[ids[r]*d:])
		}
	})
	if w != weight {
		w.Release()
	}
	return record("Gather", out, []*Tensor{weight}, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		gd := gc.st.data[gc.offset : gc.offset+len(od)]
		// A leaf weight (the usual embedding table) gets its rows added
		// straight into its gradient: a dense (V, D) temporary would cost
		// a zero fill and a full pass for the few rows a batch touches.
		direct := weight.IsLeaf() && weight.IsContiguous()
		var gw *Tensor
		var gwd []float32
		if direct {
			if weight.grad == nil {
				weight.grad = newTensor(weight.shape, true)
			}
			gwd = weight.grad.st.data[weight.grad.offset : weight.grad.offset+v*d]
		} else {
			gw = newTensor(weight.shape, true)
			gwd = gw.st.data
		}
		for r, id := range ids {
			kernels.Axpy(1, gd[r*d:(r+1)*d], gwd[id*d:(id+1)*d])
		}
		if gc != g {
			gc.Release()
		}
		return []*Tensor{gw}
	})
}

// GatherAlong picks, for every position of t's other axes, the entries
// index along axis, as torch.gather with an index of t's shape except
// along axis. index is row-major in that shape, whose size along axis is
// k = len(index) / (t.Numel() / t.Size(axis)); the result has that shape.
// The common use picks each row's target score: for log-probabilities of
// shape (N, C) and N targets, GatherAlong(logp, 1, targets) has shape
// (N, 1).
func GatherAlong(t *Tensor, axis int, index []int) *Tensor {
	t.live("GatherAlong")
	a := t.axis("GatherAlong", axis)
	outer, n, inner := axisLayout(t.shape, a)
	rest := outer * inner
	if rest == 0 || len(index)%rest != 0 {
		panic(fmt.Sprintf("tensor.GatherAlong: %d indices do not form shape %v with axis %d resized", len(index), t.shape, a))
	}
	k := len(index) / rest
	for i, j := range index {
		if j < 0 || j >= n {
			panic(fmt.Sprintf("tensor.GatherAlong: index %d (position %d) out of range for axis %d of shape %v", j, i, a, t.shape))
		}
	}
	outShape := append([]int(nil), t.shape...)
	outShape[a] = k
	out := newTensor(outShape, false)
	od := out.st.data
	x := t.contiguousRaw()
	xd := x.st.data[x.offset : x.offset+t.Numel()]
	// Position p = (o·k + j)·inner + i of the result reads x[o, index[p], i].
	for p, j := range index {
		o, i := p/(k*inner), p%inner
		od[p] = xd[(o*n+j)*inner+i]
	}
	if x != t {
		x.Release()
	}
	return record("GatherAlong", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		gd := gc.st.data[gc.offset : gc.offset+len(od)]
		gi := newTensor(t.shape, true)
		gid := gi.st.data
		for p, j := range index {
			o, i := p/(k*inner), p%inner
			gid[(o*n+j)*inner+i] += gd[p]
		}
		if gc != g {
			gc.Release()
		}
		return []*Tensor{gi}
	})
}

// Dropout zeroes each element of t with probability p, drawn from rng, and
// scales the rest by 1/(1-p) (inverted dropout), so that nothing changes
// at evaluation time. When training is false or p is 0 it returns t itself.
// p must be in [0, 1]; p = 1 zeroes everything.
func Dropout(t *Tensor, p float32, rng *rand.Rand, training bool) *Tensor {
	if p < 0 || p > 1 || p != p {
		panic(fmt.Sprintf("tensor.Dropout: probability %v outside [0, 1] for shape %v", p, t.shape))
	}
	if !training || p == 0 {
		return t
	}
	t.live("Dropout")
	mask := newTensor(t.shape, false)
	md := mask.st.data
	scale := 1 / (1 - p)
	for i := range md {
		if rng.Float32() < p {
			md[i] = 0
		} else {
			md[i] = scale
		}
	}
	out := binaryRaw(kMul, t, mask)
	out = record("Dropout", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gi := binaryRaw(kMul, g, mask)
		mask.Release()
		return []*Tensor{gi}
	})
	if out.node == nil {
		mask.Release()
	}
	return out
}
