package tensor

import (
	"fmt"

	"github.com/golemml/golem/internal/kernels"
)

// reductionRows lays t out as rows of the reduced elements: it returns a
// contiguous tensor whose dimensions are t's kept axes followed by its
// reduced axes (each group in original order), that layout's shape, the
// permutation used, and the row length. The returned tensor is t's storage
// when no copy was needed; release it only if it differs from t.
func (t *Tensor) reductionRows(op string, axes []int) (rows *Tensor, permShape, perm []int, count int) {
	_, _, count = t.reduceShapes(op, true, axes) // validates axes
	red := make([]bool, t.Dim())
	for _, a := range axes {
		red[t.axis(op, a)] = true
	}
	for i := range red {
		if !red[i] && len(axes) > 0 {
			perm = append(perm, i)
		}
	}
	for i := range red {
		if red[i] || len(axes) == 0 {
			perm = append(perm, i)
		}
	}
	permShape = make([]int, len(perm))
	st := make([]int, len(perm))
	for i, p := range perm {
		permShape[i], st[i] = t.shape[p], t.strides[p]
	}
	v := &Tensor{st: t.st, offset: t.offset, shape: permShape, strides: st}
	rows = v.contiguousRaw()
	if rows == v {
		rows = t
	}
	return rows, permShape, perm, count
}

// Max returns the maximum of t's elements along axes (all axes when none
// are given). The gradient flows to the first maximal element of each
// reduced group (in row-major order); NaN counts as maximal, as in PyTorch.
func Max(t *Tensor, keepDims bool, axes ...int) *Tensor {
	return extremum("Max", t, keepDims, axes, true)
}

// Min returns the minimum of t's elements along axes, like Max.
func Min(t *Tensor, keepDims bool, axes ...int) *Tensor {
	return extremum("Min", t, keepDims, axes, false)
}

// argExtremum returns the index in row of its first maximum (or minimum);
// a NaN wins at once.
func argExtremum(row []float32, isMax bool) int {
	best := 0
	bv := row[0]
	if bv != bv {
		return 0
	}
	for j := 1; j < len(row); j++ {
		v := row[j]
		if v != v {
			return j
		}
		if (isMax && v > bv) || (!isMax && v < bv) {
			best, bv = j, v
		}
	}
	return best
}

func extremum(op string, t *Tensor, keepDims bool, axes []int, isMax bool) *Tensor {
	t.live(op)
	_, outShape, _ := t.reduceShapes(op, keepDims, axes)
	rows, permShape, perm, count := t.reductionRows(op, axes)
	if count == 0 {
		panic(fmt.Sprintf("tensor.%s: reduction over an empty axis of shape %v", op, t.shape))
	}
	nrows := numel(permShape) / count
	out := newTensor(outShape, false)
	od := out.st.data
	rd := rows.st.data[rows.offset : rows.offset+nrows*count]
	arg := make([]int, nrows)
	parallelRows(nrows, count, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			j := argExtremum(rd[r*count:(r+1)*count], isMax)
			arg[r] = j
			od[r] = rd[r*count+j]
		}
	})
	if rows != t {
		rows.Release()
	}
	inShape := t.shape
	return record(op, out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		gd := gc.st.data[gc.offset : gc.offset+nrows]
		gp := newTensor(permShape, true)
		pd := gp.st.data
		for r, j := range arg {
			pd[r*count+j] = gd[r]
		}
		if gc != g {
			gc.Release()
		}
		return []*Tensor{unpermute(gp, perm, inShape)}
	})
}

// unpermute returns the contiguous tensor of shape whose axis perm[i] is
// axis i of p (a contiguous tensor), releasing p.
func unpermute(p *Tensor, perm []int, shape []int) *Tensor {
	identity := true
	for i, q := range perm {
		if i != q {
			identity = false
		}
	}
	if identity {
		p.shape, p.strides = append([]int(nil), shape...), contiguousStrides(shape)
		return p
	}
	pst := contiguousStrides(p.shape)
	st := make([]int, len(shape))
	for i, q := range perm {
		st[q] = pst[i]
	}
	v := &Tensor{st: p.st, offset: p.offset, shape: shape, strides: st}
	out := newTensor(shape, false)
	v.copyTo(out.st.data)
	p.Release()
	return out
}

// ArgMax returns the index along axis of the first maximum of each line of
// t, in row-major order over t's other axes (shape t.shape without axis).
// It records nothing: indices have no gradient.
func ArgMax(t *Tensor, axis int) []int { return argAlong("ArgMax", t, axis, true) }

// ArgMin is ArgMax for the minimum.
func ArgMin(t *Tensor, axis int) []int { return argAlong("ArgMin", t, axis, false) }

func argAlong(op string, t *Tensor, axis int, isMax bool) []int {
	t.live(op)
	a := t.axis(op, axis)
	if t.shape[a] == 0 {
		panic(fmt.Sprintf("tensor.%s: empty axis %d of shape %v", op, axis, t.shape))
	}
	rows, permShape, _, count := t.reductionRows(op, []int{a})
	nrows := numel(permShape) / count
	rd := rows.st.data[rows.offset : rows.offset+nrows*count]
	arg := make([]int, nrows)
	parallelRows(nrows, count, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			arg[r] = argExtremum(rd[r*count:(r+1)*count], isMax)
		}
	})
	if rows != t {
		rows.Release()
	}
	return arg
}

// Var returns the variance of t's elements along axes (all when none are
// given): Σ(x-mean)²/(N-1) when unbiased (Bessel's correction, torch.var's
// default) and /N otherwise, the biased form LayerNorm and BatchNorm use.
func Var(t *Tensor, keepDims, unbiased bool, axes ...int) *Tensor {
	t.live("Var")
	keep, outShape, count := t.reduceShapes("Var", keepDims, axes)
	denom := float32(count)
	if unbiased {
		denom = float32(count - 1)
	}
	mean := sumTo(t, keep)
	if mean == t {
		mean = t.Clone()
	}
	kernels.Scale(1/float32(count), mean.st.data)
	d := binaryRaw(kSub, t, mean) // x - mean, shape of t
	mean.Release()
	sq := binaryRaw(kMul, d, d)
	out := reduceTemp(sq, keep)
	kernels.Scale(1/denom, out.st.data)
	out.shape, out.strides = outShape, contiguousStrides(outShape)
	out = record("Var", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		// d var / dx = 2(x - mean)/denom; the mean's own dependence on x
		// contributes Σ(x-mean) = 0.
		gc := g.contiguousRaw()
		gk := gc.view(gc.offset, keep, contiguousStrides(keep))
		gi := binaryRaw(kMul, d, gk)
		gk.Release()
		if gc != g {
			gc.Release()
		}
		kernels.Scale(2/denom, gi.st.data)
		d.Release()
		return []*Tensor{gi}
	})
	if out.node == nil {
		d.Release()
	}
	return out
}
