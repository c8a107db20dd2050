package tensor

import (
	"fmt"
	"sync/atomic"

	"github.com/golemml/golem/internal/kernels"
)

// node records the op that produced a tensor, for the backward pass.
type node struct {
	op     string
	inputs []*Tensor
	// backward maps the gradient of the output to the gradients of the
	// inputs, each in its input's shape (nil where an input needs none).
	backward func(g *Tensor) []*Tensor
}

var noGradDepth atomic.Int32

// NoGrad runs fn with gradient recording switched off, for inference. It
// is process-wide: while fn runs, no goroutine records ops, so a program
// that trains in one goroutine while it infers in another should use
// WithoutGrad, which touches only the tensors it is given.
func NoGrad(fn func()) {
	noGradDepth.Add(1)
	defer noGradDepth.Add(-1)
	fn()
}

// GradEnabled reports whether recording is on (no NoGrad is running).
func GradEnabled() bool { return noGradDepth.Load() == 0 }

// WithoutGrad runs fn with the leaves ts (typically a model's weights)
// treated as not needing gradients: an op records itself only if one of
// its other inputs needs them, and gradients never flow into ts from ops
// run inside fn. Unlike NoGrad it changes nothing else, so other
// goroutines keep recording ops on other tensors, and several goroutines
// may run WithoutGrad over the same leaves at once (the leaves need
// gradients again when the last of them returns). Training the same
// leaves while fn runs leaves them out of that training's graph.
func WithoutGrad(ts []*Tensor, fn func()) {
	for _, t := range ts {
		t.frozen.Add(1)
	}
	defer func() {
		for _, t := range ts {
			t.frozen.Add(-1)
		}
	}()
	fn()
}

// Records reports whether an op on inputs would be recorded: recording is
// on and one of them needs gradients. Fused ops written with Op use it to
// skip keeping what only their backward pass needs. Nil inputs are
// ignored.
func Records(inputs ...*Tensor) bool {
	if !GradEnabled() {
		return false
	}
	for _, in := range inputs {
		if in != nil && in.NeedsGrad() {
			return true
		}
	}
	return false
}

// RequiresGrad marks a leaf tensor as needing a gradient and returns it.
func (t *Tensor) RequiresGrad() *Tensor {
	if t.node != nil {
		panic(fmt.Sprintf("tensor.RequiresGrad: tensor %v is the result of %s, not a leaf; use Detach first", t.shape, t.node.op))
	}
	t.requiresGrad = true
	return t
}

// NeedsGrad reports whether gradients flow to or through t: it requires
// them and no WithoutGrad is running over it.
func (t *Tensor) NeedsGrad() bool { return t.requiresGrad && t.frozen.Load() == 0 }

// IsLeaf reports whether t was created directly rather than by a recorded op.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Grad returns the gradient accumulated by Backward (nil before any).
func (t *Tensor) Grad() *Tensor { return t.grad }

// ZeroGrad sets the accumulated gradient to zero, keeping its memory.
func (t *Tensor) ZeroGrad() {
	if t.grad != nil {
		clear(t.grad.st.data[t.grad.offset : t.grad.offset+t.grad.Numel()])
	}
}

// Retain keeps an intermediate tensor's values and gradient after
// Backward, which otherwise releases them. It returns t.
func (t *Tensor) Retain() *Tensor {
	t.retain = true
	return t
}

// Detach returns a view of t's values that is not part of any graph.
func (t *Tensor) Detach() *Tensor {
	t.live("Detach")
	t.st.refs.Add(1)
	return &Tensor{st: t.st, offset: t.offset, shape: t.shape, strides: t.strides}
}

// record attaches the op to out when recording is on and any input needs
// gradients. Inputs under WithoutGrad are left out of the recorded node, so
// Backward gives them nothing. It returns out.
func record(op string, out *Tensor, inputs []*Tensor, backward func(g *Tensor) []*Tensor) *Tensor {
	if !GradEnabled() {
		return out
	}
	need := false
	var kept []*Tensor // inputs without the frozen ones, made on the first
	for i, in := range inputs {
		switch {
		case in == nil || !in.requiresGrad:
		case in.frozen.Load() == 0:
			need = true
		case kept == nil:
			kept = append([]*Tensor(nil), inputs...)
			kept[i] = nil
		default:
			kept[i] = nil
		}
	}
	if !need {
		return out
	}
	if kept != nil {
		inputs = kept
	}
	out.requiresGrad = true
	out.node = &node{op: op, inputs: inputs, backward: backward}
	return out
}

// Backward computes the gradient of t, which must hold one element, with
// respect to every leaf that requires gradients, and adds it to their Grad.
// Afterwards the graph is released (see the package doc).
func (t *Tensor) Backward() {
	if t.Numel() != 1 {
		panic(fmt.Sprintf("tensor.Backward: output of shape %v is not a scalar; use BackwardWith", t.shape))
	}
	g := Ones(t.shape...)
	t.BackwardWith(g)
	g.Release()
}

// BackwardWith is Backward seeded with the gradient g of t (same shape).
func (t *Tensor) BackwardWith(g *Tensor) {
	t.live("Backward")
	if !sameShape(g.shape, t.shape) {
		panic(fmt.Sprintf("tensor.BackwardWith: gradient shape %v != tensor shape %v", g.shape, t.shape))
	}
	if !t.requiresGrad {
		panic("tensor.Backward: tensor does not require grad (no input called RequiresGrad, or it was computed under NoGrad)")
	}
	order := topoOrder(t)
	accumulate(t, g)
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		nd := n.node
		gout := n.grad
		if gout != nil {
			gins := nd.backward(gout)
			for j, in := range nd.inputs {
				if in == nil || !in.requiresGrad || gins[j] == nil {
					continue
				}
				accumulate(in, gins[j])
			}
			for j, gi := range gins {
				// Release gradient temporaries the inputs did not adopt.
				if gi != nil && gi != gout && (nd.inputs[j] == nil || nd.inputs[j].grad != gi) {
					gi.Release()
				}
			}
		}
		// Release the graph: n's values are no longer needed by anyone.
		n.node = nil
		if !n.retain {
			if n.grad != nil {
				n.grad.Release()
				n.grad = nil
			}
			if n != t {
				n.Release()
			}
		}
	}
}

// accumulate adds g into in's gradient, allocating it on first use.
func accumulate(in *Tensor, g *Tensor) {
	if !sameShape(g.shape, in.shape) {
		panic(fmt.Sprintf("tensor: internal error: gradient of shape %v for tensor of shape %v", g.shape, in.shape))
	}
	if in.grad == nil {
		in.grad = newTensor(in.shape, false)
		g.copyTo(in.grad.st.data)
		return
	}
	dst := in.grad.st.data[in.grad.offset : in.grad.offset+in.grad.Numel()]
	if g.IsContiguous() {
		src := g.st.data[g.offset : g.offset+len(dst)]
		parallel(len(dst), func(lo, hi int) { kernels.Axpy(1, src[lo:hi], dst[lo:hi]) })
		return
	}
	i := 0
	g.each(func(off int) {
		dst[i] += g.st.data[off]
		i++
	})
}

// visitEpoch numbers topological walks, so that a walk marks the tensors
// it has seen with its own number instead of building a set.
var visitEpoch atomic.Uint64

// topoOrder returns the non-leaf tensors reachable from t, each after all
// of its inputs (so reversed, each comes after all of its consumers).
func topoOrder(t *Tensor) []*Tensor {
	epoch := visitEpoch.Add(1)
	var order []*Tensor
	type frame struct {
		t *Tensor
		i int
	}
	stack := []frame{{t, 0}}
	t.visit = epoch
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.t.node == nil || f.i == len(f.t.node.inputs) {
			if f.t.node != nil {
				order = append(order, f.t)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		in := f.t.node.inputs[f.i]
		f.i++
		if in != nil && in.node != nil && in.visit != epoch {
			in.visit = epoch
			stack = append(stack, frame{in, 0})
		}
	}
	return order
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
