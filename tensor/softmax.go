package tensor

import (
	"github.com/golemml/golem/internal/kernels"
)

// Softmax returns exp(x)/Σexp(x) along axis, computed stably (the row
// maximum is subtracted first).
func Softmax(t *Tensor, axis int) *Tensor { return softmaxOp("Softmax", t, axis, false) }

// LogSoftmax returns x - log Σexp(x) along axis, computed stably. It is
// what a classifier's negative log-likelihood loss takes.
func LogSoftmax(t *Tensor, axis int) *Tensor { return softmaxOp("LogSoftmax", t, axis, true) }

// axisLayout splits a contiguous shape around axis into outer × n × inner.
func axisLayout(shape []int, a int) (outer, n, inner int) {
	return numel(shape[:a]), shape[a], numel(shape[a+1:])
}

// alongAxis calls fn on every line of a contiguous buffer of the given
// layout along the middle dimension: for each (outer, inner) pair a line of
// n values. Lines of the last axis (inner = 1) are handed over as slices
// of src and dst directly; otherwise each line is gathered into scratch
// buffers and dst's line scattered back. Lines run in parallel when the
// buffer is large. srcs are read-only inputs of the same layout.
func alongAxis(outer, n, inner int, dst []float32, srcs [][]float32, fn func(dst []float32, srcs [][]float32)) {
	lines := outer * inner
	parallelRows(lines, n, func(lo, hi int) {
		var lineBuf [3][]float32
		line := lineBuf[:len(srcs)]
		if inner == 1 {
			for r := lo; r < hi; r++ {
				for k, s := range srcs {
					line[k] = s[r*n : (r+1)*n]
				}
				fn(dst[r*n:(r+1)*n], line)
			}
			return
		}
		scratch := make([]float32, n*(len(srcs)+1))
		d := scratch[:n]
		for k := range srcs {
			line[k] = scratch[(k+1)*n : (k+2)*n]
		}
		for r := lo; r < hi; r++ {
			base := (r/inner)*n*inner + r%inner
			for k, s := range srcs {
				l := line[k]
				for j := range l {
					l[j] = s[base+j*inner]
				}
			}
			fn(d, line)
			for j, v := range d {
				dst[base+j*inner] = v
			}
		}
	})
}

func softmaxOp(op string, t *Tensor, axis int, log bool) *Tensor {
	t.live(op)
	a := t.axis(op, axis)
	x := t.contiguousRaw()
	out := newTensor(t.shape, false)
	outer, n, inner := axisLayout(t.shape, a)
	od := out.st.data
	xd := x.st.data[x.offset : x.offset+len(od)]
	alongAxis(outer, n, inner, od, [][]float32{xd}, func(dst []float32, s [][]float32) {
		if log {
			logSoftmaxRow(dst, s[0])
		} else {
			kernels.Softmax(dst, s[0])
		}
	})
	if x != t {
		x.Release()
	}
	return record(op, out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		gd := gc.st.data[gc.offset : gc.offset+len(od)]
		gi := newTensor(t.shape, false)
		alongAxis(outer, n, inner, gi.st.data, [][]float32{gd, od}, func(dx []float32, s [][]float32) {
			g, y := s[0], s[1]
			if log {
				// dx = g - softmax(x)·Σg
				sum := kernels.Sum(g)
				kernels.Exp(dx, y)
				for j, v := range g {
					dx[j] = v - dx[j]*sum
				}
				return
			}
			// dx = y·(g - Σ g·y)
			dot := kernels.Dot(g, y)
			for j, v := range g {
				dx[j] = y[j] * (v - dot)
			}
		})
		if gc != g {
			gc.Release()
		}
		return []*Tensor{gi}
	})
}

// logSoftmaxRow computes dst = (x - max) - log Σexp(x - max), the order of
// operations PyTorch uses: for large x, forming max + log Σ first would
// round it to float32's coarse spacing there (6e-5 at 1000). The shifted
// row's maximum is 0, so the kernel's log-sum-exp is exact to rounding.
func logSoftmaxRow(dst, x []float32) {
	dst = dst[:len(x)]
	m := kernels.Max(x)
	for i, v := range x {
		dst[i] = v - m
	}
	kernels.LogSoftmax(dst, dst)
}
