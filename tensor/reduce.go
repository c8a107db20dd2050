package tensor

import (
	"fmt"

	"github.com/golemml/golem/internal/kernels"
)

// reduceShapes returns the shape with reduced axes kept as 1, the result
// shape (with or without them), and the number of elements reduced.
func (t *Tensor) reduceShapes(op string, keepDims bool, axes []int) (keep, out []int, count int) {
	red := make([]bool, t.Dim())
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		a = t.axis(op, a)
		if red[a] && len(axes) > 0 {
			panic(fmt.Sprintf("tensor.%s: repeated axis in %v for shape %v", op, axes, t.shape))
		}
		red[a] = true
	}
	count = 1
	for i, d := range t.shape {
		if red[i] {
			keep = append(keep, 1)
			count *= d
			if keepDims {
				out = append(out, 1)
			}
		} else {
			keep = append(keep, d)
			out = append(out, d)
		}
	}
	return keep, out, count
}

// expandTo broadcasts g to shape as a new contiguous tensor (unrecorded).
func expandTo(g *Tensor, shape []int) *Tensor {
	out := newTensor(shape, false)
	gs := broadcastStrides(g, shape)
	od, gd := out.st.data, g.st.data
	o := 0
	last := 0
	if len(shape) > 0 {
		last = gs[len(gs)-1]
	}
	iterRuns(shape, []int{g.offset}, [][]int{gs}, func(offs []int, n int) {
		switch last {
		case 1:
			copy(od[o:o+n], gd[offs[0]:offs[0]+n])
		case 0:
			v := gd[offs[0]]
			for j := o; j < o+n; j++ {
				od[j] = v
			}
		default:
			for j := 0; j < n; j++ {
				od[o+j] = gd[offs[0]+j*last]
			}
		}
		o += n
	})
	return out
}

// Sum returns the sum of t's elements along axes (all axes when none are
// given). With keepDims the reduced axes stay as size 1.
func Sum(t *Tensor, keepDims bool, axes ...int) *Tensor {
	return sumScaled("Sum", t, keepDims, axes, false)
}

// Mean returns the mean of t's elements along axes (all when none given).
func Mean(t *Tensor, keepDims bool, axes ...int) *Tensor {
	return sumScaled("Mean", t, keepDims, axes, true)
}

func sumScaled(op string, t *Tensor, keepDims bool, axes []int, mean bool) *Tensor {
	t.live(op)
	keep, outShape, count := t.reduceShapes(op, keepDims, axes)
	r := sumTo(t, keep)
	if r == t {
		r = t.Clone()
	}
	scale := float32(1)
	if mean {
		scale = 1 / float32(count)
		kernels.Scale(scale, r.st.data)
	}
	r.shape, r.strides = outShape, contiguousStrides(outShape)
	inShape := t.shape
	return record(op, r, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		gk := gc.view(gc.offset, keep, contiguousStrides(keep))
		gi := expandTo(gk, inShape)
		gk.Release()
		if gc != g {
			gc.Release()
		}
		if mean {
			kernels.Scale(scale, gi.st.data)
		}
		return []*Tensor{gi}
	})
}
