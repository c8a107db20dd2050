package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
)

// Tensor is an N-dimensional float32 array: a view onto storage.
type Tensor struct {
	st       *storage
	offset   int
	shape    []int
	strides  []int
	released bool

	requiresGrad bool
	frozen       atomic.Int32 // WithoutGrad calls running over this leaf
	retain       bool
	grad         *Tensor
	node         *node  // the op that produced this tensor; nil for leaves
	visit        uint64 // the last topological walk that reached it
}

// contiguousStrides returns row-major strides for shape.
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// numel is the product of shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func checkShape(op string, shape []int) {
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor.%s: negative dimension in shape %v", op, shape))
		}
	}
}

// newTensor returns a contiguous tensor of shape from the pool.
func newTensor(shape []int, zero bool) *Tensor {
	// One allocation holds the tensor, its shape and its strides.
	type block struct {
		t   Tensor
		dim [8]int
	}
	n := len(shape)
	var sh, st []int
	var t *Tensor
	if n <= 4 {
		b := &block{}
		t, sh, st = &b.t, b.dim[:n:n], b.dim[4:4+n:4+n]
	} else {
		t = &Tensor{}
		buf := make([]int, 2*n)
		sh, st = buf[:n:n], buf[n:]
	}
	copy(sh, shape)
	s := 1
	for i := n - 1; i >= 0; i-- {
		st[i] = s
		s *= sh[i]
	}
	t.st, t.shape, t.strides = newStorage(s, zero), sh, st
	return t
}

// Zeros returns a tensor of shape filled with 0.
func Zeros(shape ...int) *Tensor {
	checkShape("Zeros", shape)
	return newTensor(shape, true)
}

// Ones returns a tensor of shape filled with 1.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor of shape filled with v.
func Full(v float32, shape ...int) *Tensor {
	checkShape("Full", shape)
	t := newTensor(shape, false)
	d := t.st.data
	for i := range d {
		d[i] = v
	}
	return t
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return Full(v) }

// FromSlice returns a tensor of shape that uses data as its storage (no
// copy). It panics if len(data) does not match the shape.
func FromSlice(data []float32, shape ...int) *Tensor {
	checkShape("FromSlice", shape)
	if numel(shape) != len(data) {
		panic(fmt.Sprintf("tensor.FromSlice: %d values do not fill shape %v (%d)", len(data), shape, numel(shape)))
	}
	sh := append([]int(nil), shape...)
	return &Tensor{st: newStorageOf(data, false), shape: sh, strides: contiguousStrides(sh)}
}

// Arange returns the 1-D tensor [start, start+step, ...) up to end.
func Arange(start, end, step float32) *Tensor {
	if step == 0 || (end-start)/step < 0 {
		panic(fmt.Sprintf("tensor.Arange: empty or infinite range start=%v end=%v step=%v", start, end, step))
	}
	n := int(math.Ceil(float64((end - start) / step)))
	t := newTensor([]int{n}, false)
	for i := range t.st.data {
		t.st.data[i] = start + float32(i)*step
	}
	return t
}

// NewRNG returns the seeded random source that RandN, RandU and Dropout
// take: the same seed gives the same bits on every machine.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
}

// RandN returns a tensor of standard normal samples drawn from rng.
func RandN(rng *rand.Rand, shape ...int) *Tensor {
	checkShape("RandN", shape)
	t := newTensor(shape, false)
	for i := range t.st.data {
		t.st.data[i] = float32(rng.NormFloat64())
	}
	return t
}

// RandU returns a tensor of samples uniform in [lo, hi) drawn from rng.
func RandU(rng *rand.Rand, lo, hi float32, shape ...int) *Tensor {
	checkShape("RandU", shape)
	t := newTensor(shape, false)
	for i := range t.st.data {
		t.st.data[i] = lo + (hi-lo)*rng.Float32()
	}
	return t
}

func (t *Tensor) live(op string) {
	if t.released || t.st.data == nil {
		panic(fmt.Sprintf("tensor.%s: tensor %v was released (by Backward or Release); call Retain before Backward to keep an intermediate", op, t.shape))
	}
}

// Shape returns the tensor's dimensions. The caller must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns dimension i; negative i counts from the end.
func (t *Tensor) Size(i int) int { return t.shape[t.axis("Size", i)] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return numel(t.shape) }

// Strides returns the element strides of each dimension.
func (t *Tensor) Strides() []int { return t.strides }

// axis normalizes a possibly negative axis, panicking if out of range.
func (t *Tensor) axis(op string, a int) int {
	n := len(t.shape)
	if a < 0 {
		a += n
	}
	if a < 0 || a >= n {
		panic(fmt.Sprintf("tensor.%s: axis %d out of range for shape %v", op, a, t.shape))
	}
	return a
}

// IsContiguous reports whether the elements are laid out row-major with no
// gaps, so that Data returns them in order.
func (t *Tensor) IsContiguous() bool {
	s := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.strides[i] != s {
			return false
		}
		s *= t.shape[i]
	}
	return true
}

// Data returns the elements of a contiguous tensor in row-major order,
// sharing memory with it. It panics for a non-contiguous view: call
// Contiguous first.
func (t *Tensor) Data() []float32 {
	t.live("Data")
	if !t.IsContiguous() {
		panic(fmt.Sprintf("tensor.Data: view of shape %v strides %v is not contiguous; call Contiguous", t.shape, t.strides))
	}
	return t.st.data[t.offset : t.offset+t.Numel()]
}

// ToSlice returns a new slice with the elements in row-major order.
func (t *Tensor) ToSlice() []float32 {
	t.live("ToSlice")
	out := make([]float32, t.Numel())
	t.copyTo(out)
	return out
}

// copyTo writes the elements of t in row-major order into dst.
func (t *Tensor) copyTo(dst []float32) {
	if t.IsContiguous() {
		copy(dst, t.st.data[t.offset:t.offset+len(dst)])
		return
	}
	i := 0
	t.each(func(off int) {
		dst[i] = t.st.data[off]
		i++
	})
}

// each calls fn with the storage offset of every element in row-major order.
func (t *Tensor) each(fn func(off int)) {
	n := t.Numel()
	if n == 0 {
		return
	}
	nd := len(t.shape)
	if nd == 0 {
		fn(t.offset)
		return
	}
	idx := make([]int, nd)
	off := t.offset
	last := nd - 1
	for {
		// Inner loop over the last dimension.
		s := t.strides[last]
		for j := 0; j < t.shape[last]; j++ {
			fn(off + j*s)
		}
		// Advance the outer index.
		d := last - 1
		for ; d >= 0; d-- {
			idx[d]++
			off += t.strides[d]
			if idx[d] < t.shape[d] {
				break
			}
			off -= idx[d] * t.strides[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float32 {
	t.live("Item")
	if t.Numel() != 1 {
		panic(fmt.Sprintf("tensor.Item: tensor of shape %v has %d elements, want 1", t.shape, t.Numel()))
	}
	return t.st.data[t.offset]
}

// At returns the element at idx.
func (t *Tensor) At(idx ...int) float32 {
	t.live("At")
	return t.st.data[t.index("At", idx)]
}

// Set writes v at idx. It is not recorded by autograd.
func (t *Tensor) Set(v float32, idx ...int) {
	t.live("Set")
	t.st.data[t.index("Set", idx)] = v
}

func (t *Tensor) index(op string, idx []int) int {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor.%s: %d indices for shape %v", op, len(idx), t.shape))
	}
	off := t.offset
	for i, x := range idx {
		if x < 0 || x >= t.shape[i] {
			panic(fmt.Sprintf("tensor.%s: index %v out of range for shape %v", op, idx, t.shape))
		}
		off += x * t.strides[i]
	}
	return off
}

// Clone returns a contiguous copy of t, detached from the graph.
func (t *Tensor) Clone() *Tensor {
	t.live("Clone")
	out := newTensor(t.shape, false)
	t.copyTo(out.st.data)
	return out
}

// Release returns t's storage to the pool (once no other view uses it).
// Using t afterwards panics. Releasing a tensor twice is a no-op.
func (t *Tensor) Release() {
	if t.released {
		return
	}
	t.released = true
	t.st.release()
}

// String formats the tensor like PyTorch, eliding the middle of long rows.
func (t *Tensor) String() string {
	if t.released {
		return fmt.Sprintf("tensor(released, shape=%v)", t.shape)
	}
	var b strings.Builder
	b.WriteString("tensor(")
	vals := t.ToSlice()
	var rec func(dim, off int)
	rec = func(dim, off int) {
		if dim == len(t.shape) {
			fmt.Fprintf(&b, "%.4g", vals[off])
			return
		}
		b.WriteByte('[')
		stride := numel(t.shape[dim+1:])
		n := t.shape[dim]
		for i := 0; i < n; i++ {
			if n > 8 && i == 3 {
				b.WriteString("..., ")
				i = n - 3
			}
			if i > 0 && !(n > 8 && i == n-3) {
				b.WriteString(", ")
			}
			rec(dim+1, off+i*stride)
		}
		b.WriteByte(']')
	}
	rec(0, 0)
	fmt.Fprintf(&b, ", shape=%v", t.shape)
	if t.requiresGrad {
		b.WriteString(", requires_grad")
	}
	b.WriteByte(')')
	return b.String()
}
