package tensor

import (
	"math"

	"github.com/golemml/golem/internal/kernels"
)

type binKind int

const (
	kAdd binKind = iota
	kSub
	kMul
	kDiv
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div"}

// binRun applies kind to one run: dst[j] = x[j*sx] op y[j*sy].
func binRun(kind binKind, dst, x []float32, sx int, y []float32, sy int) {
	n := len(dst)
	if sx == 1 && sy == 1 {
		x, y = x[:n], y[:n]
		switch kind {
		case kAdd, kSub:
			// copy + Axpy runs in the kernels' vector code; blocks keep
			// dst in L1 between the two passes.
			alpha := float32(1)
			if kind == kSub {
				alpha = -1
			}
			for lo := 0; lo < n; lo += 2048 {
				hi := min(lo+2048, n)
				copy(dst[lo:hi], x[lo:hi])
				kernels.Axpy(alpha, y[lo:hi], dst[lo:hi])
			}
		case kMul:
			for j := range dst {
				dst[j] = x[j] * y[j]
			}
		case kDiv:
			for j := range dst {
				dst[j] = x[j] / y[j]
			}
		}
		return
	}
	for j := range dst {
		a, b := x[j*sx], y[j*sy]
		switch kind {
		case kAdd:
			dst[j] = a + b
		case kSub:
			dst[j] = a - b
		case kMul:
			dst[j] = a * b
		case kDiv:
			dst[j] = a / b
		}
	}
}

// binaryRaw computes a op b with broadcasting, without recording.
func binaryRaw(kind binKind, a, b *Tensor) *Tensor {
	op := binNames[kind]
	a.live(op)
	b.live(op)
	shape := broadcastShape(op, a.shape, b.shape)
	out := newTensor(shape, false)
	od, ad, bd := out.st.data, a.st.data, b.st.data
	if a.IsContiguous() && b.IsContiguous() && sameShape(a.shape, b.shape) {
		ao, bo := a.offset, b.offset
		parallel(len(od), func(lo, hi int) {
			binRun(kind, od[lo:hi], ad[ao+lo:ao+hi], 1, bd[bo+lo:bo+hi], 1)
		})
		return out
	}
	sa, sb := broadcastStrides(a, shape), broadcastStrides(b, shape)
	forRows(shape, [3]int{a.offset, b.offset}, [3][]int{sa, sb}, func(o int, offs [3]int, n int) {
		binRun(kind, od[o:o+n], ad[offs[0]:], lastStride(sa), bd[offs[1]:], lastStride(sb))
	})
	return out
}

func binary(kind binKind, a, b *Tensor) *Tensor {
	out := binaryRaw(kind, a, b)
	return record(binNames[kind], out, []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		switch kind {
		case kAdd:
			if a.requiresGrad {
				ga = sumTo(g, a.shape)
			}
			if b.requiresGrad {
				gb = sumTo(g, b.shape)
			}
		case kSub:
			if a.requiresGrad {
				ga = sumTo(g, a.shape)
			}
			if b.requiresGrad {
				gb = negRaw(sumTo(g, b.shape), g)
			}
		case kMul:
			if a.requiresGrad {
				ga = reduceTemp(binaryRaw(kMul, g, b), a.shape)
			}
			if b.requiresGrad {
				gb = reduceTemp(binaryRaw(kMul, g, a), b.shape)
			}
		case kDiv:
			if a.requiresGrad {
				ga = reduceTemp(binaryRaw(kDiv, g, b), a.shape)
			}
			if b.requiresGrad {
				// d(a/b)/db = -a/b² = -out/b
				t := binaryRaw(kMul, g, out)
				t2 := binaryRaw(kDiv, t, b)
				t.Release()
				gb = negRaw(reduceTemp(t2, b.shape), nil)
			}
		}
		return []*Tensor{ga, gb}
	})
}

// reduceTemp sums a temporary to shape, releasing the temporary when a new
// tensor was made.
func reduceTemp(t *Tensor, shape []int) *Tensor {
	r := sumTo(t, shape)
	if r != t {
		t.Release()
	}
	return r
}

// negRaw returns -t. If t is a fresh temporary (not keep) it is negated in
// place; otherwise a copy is made.
func negRaw(t *Tensor, keep *Tensor) *Tensor {
	if t == keep || !t.IsContiguous() {
		t = t.Clone()
	}
	kernels.Scale(-1, t.Data())
	return t
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor { return binary(kAdd, a, b) }

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor { return binary(kSub, a, b) }

// Mul returns a · b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor { return binary(kMul, a, b) }

// Div returns a / b elementwise with broadcasting.
func Div(a, b *Tensor) *Tensor { return binary(kDiv, a, b) }

// unaryOp builds an elementwise op out = f(t). fwd fills dst from x; bwd
// fills dx = g·f'(x) from the output gradient g, the input x and the output
// y. All slices are contiguous and of equal length; both functions are
// called on chunks, in parallel for large tensors, so that the per-element
// work is a plain loop rather than a function call.
func unaryOp(op string, t *Tensor, fwd func(dst, x []float32), bwd func(dx, g, x, y []float32)) *Tensor {
	t.live(op)
	x := t.contiguousRaw()
	out := newTensor(t.shape, false)
	od, xd := out.st.data, x.st.data[x.offset:x.offset+len(out.st.data)]
	parallel(len(od), func(lo, hi int) { fwd(od[lo:hi], xd[lo:hi]) })
	if x != t {
		x.Release()
	}
	return record(op, out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gi := newTensor(t.shape, false)
		gd := gi.st.data
		x := t.contiguousRaw()
		xd := x.st.data[x.offset : x.offset+len(gd)]
		gc := g.contiguousRaw()
		gg := gc.st.data[gc.offset : gc.offset+len(gd)]
		parallel(len(gd), func(lo, hi int) { bwd(gd[lo:hi], gg[lo:hi], xd[lo:hi], od[lo:hi]) })
		if x != t {
			x.Release()
		}
		if gc != g {
			gc.Release()
		}
		return []*Tensor{gi}
	})
}

// Neg returns -t.
func Neg(t *Tensor) *Tensor {
	return unaryOp("Neg", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = -v
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			dx[i] = -v
		}
	})
}

// Exp returns eˣ elementwise.
func Exp(t *Tensor) *Tensor {
	return unaryOp("Exp", t, kernels.Exp, func(dx, g, x, y []float32) {
		for i, v := range g {
			dx[i] = v * y[i]
		}
	})
}

// Log returns the natural logarithm elementwise.
func Log(t *Tensor) *Tensor {
	return unaryOp("Log", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = float32(math.Log(float64(v)))
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			dx[i] = v / x[i]
		}
	})
}

// Tanh returns tanh elementwise.
func Tanh(t *Tensor) *Tensor {
	return unaryOp("Tanh", t, kernels.Tanh, func(dx, g, x, y []float32) {
		for i, v := range g {
			dx[i] = v * (1 - y[i]*y[i])
		}
	})
}

// ReLU returns max(x, 0) elementwise (gradient 0 at 0, as PyTorch).
func ReLU(t *Tensor) *Tensor {
	return unaryOp("ReLU", t, func(dst, x []float32) {
		for i, v := range x {
			dst[i] = max(v, 0)
		}
	}, func(dx, g, x, y []float32) {
		for i, v := range g {
			if x[i] > 0 {
				dx[i] = v
			} else {
				dx[i] = 0
			}
		}
	})
}
