package tensor

import "fmt"

// view returns a tensor sharing t's storage with the given layout.
func (t *Tensor) view(offset int, shape, strides []int) *Tensor {
	t.st.refs.Add(1)
	return &Tensor{st: t.st, offset: offset, shape: shape, strides: strides}
}

// Reshape returns t with a new shape holding the same number of elements.
// One dimension may be -1 and is inferred. It is a view when t is
// contiguous and a copy otherwise, as torch.reshape.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	t.live("Reshape")
	sh := append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range sh {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("tensor.Reshape: bad shape %v for tensor %v", shape, t.shape))
		default:
			known *= d
		}
	}
	n := t.Numel()
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			panic(fmt.Sprintf("tensor.Reshape: cannot reshape %v into %v", t.shape, shape))
		}
		sh[infer] = n / known
	}
	if numel(sh) != n {
		panic(fmt.Sprintf("tensor.Reshape: cannot reshape %v (%d elements) into %v", t.shape, n, shape))
	}
	src := t
	if !t.IsContiguous() {
		src = t.Contiguous()
	}
	out := src.view(src.offset, sh, contiguousStrides(sh))
	if src != t {
		src.Release() // out holds the copy's storage
		// Gradient flows t → out through the copy; record against t.
	}
	inShape := t.shape
	return record("Reshape", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(inShape...)}
	})
}

// Flatten reshapes dimensions start..end (inclusive) into one.
func (t *Tensor) Flatten(start, end int) *Tensor {
	s, e := t.axis("Flatten", start), t.axis("Flatten", end)
	if s > e {
		panic(fmt.Sprintf("tensor.Flatten: start %d after end %d for shape %v", start, end, t.shape))
	}
	sh := append([]int(nil), t.shape[:s]...)
	sh = append(sh, numel(t.shape[s:e+1]))
	sh = append(sh, t.shape[e+1:]...)
	return t.Reshape(sh...)
}

// Permute returns a view with dimensions reordered: dimension i of the
// result is dimension dims[i] of t.
func (t *Tensor) Permute(dims ...int) *Tensor {
	t.live("Permute")
	if len(dims) != len(t.shape) {
		panic(fmt.Sprintf("tensor.Permute: %d dims %v for shape %v", len(dims), dims, t.shape))
	}
	seen := make([]bool, len(dims))
	sh := make([]int, len(dims))
	st := make([]int, len(dims))
	inv := make([]int, len(dims))
	for i, d := range dims {
		d = t.axis("Permute", d)
		if seen[d] {
			panic(fmt.Sprintf("tensor.Permute: repeated dim in %v", dims))
		}
		seen[d] = true
		sh[i], st[i] = t.shape[d], t.strides[d]
		inv[d] = i
	}
	out := t.view(t.offset, sh, st)
	return record("Permute", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Permute(inv...)}
	})
}

// Transpose returns a view with dimensions a and b swapped.
func (t *Tensor) Transpose(a, b int) *Tensor {
	a, b = t.axis("Transpose", a), t.axis("Transpose", b)
	dims := make([]int, len(t.shape))
	for i := range dims {
		dims[i] = i
	}
	dims[a], dims[b] = b, a
	return t.Permute(dims...)
}

// T returns the transpose of a 2-D tensor (a view).
func (t *Tensor) T() *Tensor {
	if len(t.shape) != 2 {
		panic(fmt.Sprintf("tensor.T: shape %v is not 2-D; use Transpose", t.shape))
	}
	return t.Transpose(0, 1)
}

// Narrow returns the view of t with dimension axis restricted to
// [start, start+length), as torch.narrow.
func (t *Tensor) Narrow(axis, start, length int) *Tensor {
	t.live("Narrow")
	a := t.axis("Narrow", axis)
	if start < 0 || length < 0 || start+length > t.shape[a] {
		panic(fmt.Sprintf("tensor.Narrow: range [%d,%d) out of bounds for axis %d of shape %v", start, start+length, a, t.shape))
	}
	sh := append([]int(nil), t.shape...)
	sh[a] = length
	out := t.view(t.offset+start*t.strides[a], sh, t.strides)
	inShape := t.shape
	return record("Narrow", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		gi := Zeros(inShape...)
		dst := gi.Narrow(a, start, length)
		g.copyInto(dst)
		dst.Release()
		return []*Tensor{gi}
	})
}

// Slice returns t[start:end] along axis (a view), with Python's rules for
// negative indices.
func (t *Tensor) Slice(axis, start, end int) *Tensor {
	a := t.axis("Slice", axis)
	n := t.shape[a]
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(0, min(start, n))
	end = max(start, min(end, n))
	return t.Narrow(a, start, end-start)
}

// Unsqueeze inserts a dimension of size 1 at axis.
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	n := len(t.shape) + 1
	if axis < 0 {
		axis += n
	}
	if axis < 0 || axis >= n {
		panic(fmt.Sprintf("tensor.Unsqueeze: axis %d out of range for shape %v", axis, t.shape))
	}
	sh := append([]int(nil), t.shape[:axis]...)
	sh = append(sh, 1)
	sh = append(sh, t.shape[axis:]...)
	return t.Reshape(sh...)
}

// Squeeze removes dimension axis, which must have size 1.
func (t *Tensor) Squeeze(axis int) *Tensor {
	a := t.axis("Squeeze", axis)
	if t.shape[a] != 1 {
		panic(fmt.Sprintf("tensor.Squeeze: axis %d of shape %v is not 1", axis, t.shape))
	}
	sh := append([]int(nil), t.shape[:a]...)
	sh = append(sh, t.shape[a+1:]...)
	return t.Reshape(sh...)
}

// Contiguous returns t itself if it is contiguous, else a contiguous copy
// (recorded by autograd).
func (t *Tensor) Contiguous() *Tensor {
	t.live("Contiguous")
	if t.IsContiguous() {
		return t
	}
	out := newTensor(t.shape, false)
	t.copyTo(out.st.data)
	return record("Contiguous", out, []*Tensor{t}, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Detach()}
	})
}

// contiguousRaw is Contiguous without recording: t itself or a copy.
func (t *Tensor) contiguousRaw() *Tensor {
	if t.IsContiguous() {
		return t
	}
	out := newTensor(t.shape, false)
	t.copyTo(out.st.data)
	return out
}

// copyInto writes t's elements into dst (same shape, any layout).
func (t *Tensor) copyInto(dst *Tensor) {
	if !sameShape(t.shape, dst.shape) {
		panic(fmt.Sprintf("tensor.copy: shape %v into %v", t.shape, dst.shape))
	}
	if dst.IsContiguous() {
		t.copyTo(dst.st.data[dst.offset : dst.offset+dst.Numel()])
		return
	}
	src := t.ToSlice()
	i := 0
	dst.each(func(off int) {
		dst.st.data[off] = src[i]
		i++
	})
}
