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
		case kAdd:
			for j := range dst {
				dst[j] = x[j] + y[j]
			}
		case kSub:
			for j := range dst {
				dst[j] = x[j] - y[j]
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
		n := len(od)
		binRun(kind, od, ad[a.offset:a.offset+n], 1, bd[b.offset:b.offset+n], 1)
		return out
	}
	sa, sb := broadcastStrides(a, shape), broadcastStrides(b, shape)
	nd := len(shape)
	la, lb := 0, 0
	if nd > 0 {
		la, lb = sa[nd-1], sb[nd-1]
	}
	o := 0
	iterRuns(shape, []int{a.offset, b.offset}, [][]int{sa, sb}, func(offs []int, n int) {
		binRun(kind, od[o:o+n], ad[offs[0]:], la, bd[offs[1]:], lb)
		o += n
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

// unary builds an elementwise op y = f(x) whose gradient is
// g · df(x, y).
func unary(op string, t *Tensor, f func(x float32) float32, df func(x, y float32) float32) *Tensor {
	t.live(op)
	out := newTensor(t.shape, false)
	od := out.st.data
	if t.IsContiguous() {
		for i, x := range t.st.data[t.offset : t.offset+len(od)] {
			od[i] = f(x)
		}
	} else {
		i := 0
		t.each(func(off int) {
			od[i] = f(t.st.data[off])
			i++
		})
	}
	return record(op, out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gi := newTensor(t.shape, false)
		gd := gi.st.data
		x := t.contiguousRaw()
		xd := x.Data()
		gc := g.contiguousRaw()
		gg := gc.Data()
		for i := range gd {
			gd[i] = gg[i] * df(xd[i], od[i])
		}
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
	return unary("Neg", t, func(x float32) float32 { return -x }, func(x, y float32) float32 { return -1 })
}

// Exp returns eˣ elementwise.
func Exp(t *Tensor) *Tensor {
	return unary("Exp", t, func(x float32) float32 { return float32(math.Exp(float64(x))) },
		func(x, y float32) float32 { return y })
}

// Log returns the natural logarithm elementwise.
func Log(t *Tensor) *Tensor {
	return unary("Log", t, func(x float32) float32 { return float32(math.Log(float64(x))) },
		func(x, y float32) float32 { return 1 / x })
}

// Tanh returns tanh elementwise.
func Tanh(t *Tensor) *Tensor {
	return unary("Tanh", t, func(x float32) float32 { return float32(math.Tanh(float64(x))) },
		func(x, y float32) float32 { return 1 - y*y })
}

// ReLU returns max(x, 0) elementwise (gradient 0 at 0, as PyTorch).
func ReLU(t *Tensor) *Tensor {
	return unary("ReLU", t, func(x float32) float32 { return max(x, 0) },
		func(x, y float32) float32 {
			if x > 0 {
				return 1
			}
			return 0
		})
}
