package tensor

import (
	"fmt"

	"github.com/golemml/golem/internal/kernels"
)

// Per-example gradients of a linear map, for DP-SGD (see the package doc).
// For y = x·W with x of shape (B, …, in) and the gradient g of the loss
// with respect to y, of shape (B, …, out) (the loss kept per example, not
// averaged over the batch), example b's gradient of W is
// x_bᵀ·g_b, summed over the example's positions (a sequence contributes T
// rows). These functions never form the B gradients at once.

// linearRows checks the shapes and returns B, the rows per example, in
// and out, with contiguous copies of x and g as needed.
func linearRows(op string, x, g *Tensor) (xc, gc *Tensor, b, rows, in, out int) {
	x.live(op)
	g.live(op)
	if x.Dim() < 2 || g.Dim() != x.Dim() || !sameShape(x.shape[:x.Dim()-1], g.shape[:g.Dim()-1]) {
		panic(fmt.Sprintf("tensor.%s: input of shape %v and output gradient of shape %v do not match as (B, …, in) and (B, …, out)", op, x.shape, g.shape))
	}
	b, in, out = x.shape[0], x.shape[x.Dim()-1], g.shape[g.Dim()-1]
	rows = 1
	if b > 0 {
		rows = numel(x.shape[:x.Dim()-1]) / b
	}
	return x.contiguousRaw(), g.contiguousRaw(), b, rows, in, out
}

// LinearGradSqNorms returns, for each example b, the squared Frobenius norm
// ‖x_bᵀ·g_b‖² of its gradient of W, where y = x·W with x of shape (B, …, in)
// and g, the gradient of the per-example losses with respect to y, of shape
// (B, …, out) (see Per-example gradients in the package doc). With one row
// per example it is ‖x_b‖²·‖g_b‖²; with T rows it uses whichever of the
// T×T Gram matrices (Σ (x_b·x_bᵀ) ⊙ (g_b·g_bᵀ)) or the in×out product is
// cheaper.
func LinearGradSqNorms(x, g *Tensor) []float32 {
	xc, gc, b, rows, in, out := linearRows("LinearGradSqNorms", x, g)
	xd := xc.st.data[xc.offset : xc.offset+b*rows*in]
	gd := gc.st.data[gc.offset : gc.offset+b*rows*out]
	norms := make([]float32, b)
	gram := rows > 1 && rows*rows*(in+out) < rows*in*out
	kernels.ParallelFor(b, func(lo, hi int) {
		var s1, s2 []float32
		switch {
		case gram:
			s1, s2 = make([]float32, rows*rows), make([]float32, rows*rows)
		case rows > 1:
			s1 = make([]float32, in*out)
		}
		for e := lo; e < hi; e++ {
			xe := xd[e*rows*in : (e+1)*rows*in]
			ge := gd[e*rows*out : (e+1)*rows*out]
			switch {
			case rows == 1:
				norms[e] = kernels.Dot(xe, xe) * kernels.Dot(ge, ge)
			case gram:
				kernels.Sgemm(false, true, rows, rows, in, 1, xe, in, xe, in, 0, s1, rows)
				kernels.Sgemm(false, true, rows, rows, out, 1, ge, out, ge, out, 0, s2, rows)
				norms[e] = kernels.Dot(s1, s2)
			default:
				kernels.Sgemm(true, false, in, out, rows, 1, xe, in, ge, out, 0, s1, out)
				norms[e] = kernels.Dot(s1, s1)
			}
		}
	})
	if xc != x {
		xc.Release()
	}
	if gc != g {
		gc.Release()
	}
	return norms
}

// LinearClippedGrad returns Σ_b scale[b]·x_bᵀ·g_b, of shape (in, out): the
// gradient of W with each example's contribution scaled (by its clipping
// factor min(1, C/‖grad_b‖) in DP-SGD), formed as one matrix product. It
// records nothing.
func LinearClippedGrad(x, g *Tensor, scale []float32) *Tensor {
	xc, gc, b, rows, in, out := linearRows("LinearClippedGrad", x, g)
	if len(scale) != b {
		panic(fmt.Sprintf("tensor.LinearClippedGrad: %d scales for a batch of %d (input shape %v)", len(scale), b, x.shape))
	}
	gs := newTensor([]int{b * rows, out}, false)
	gsd := gs.st.data
	gd := gc.st.data[gc.offset : gc.offset+b*rows*out]
	for e := 0; e < b; e++ {
		blk := gsd[e*rows*out : (e+1)*rows*out]
		copy(blk, gd[e*rows*out:])
		kernels.Scale(scale[e], blk)
	}
	res := newTensor([]int{in, out}, false)
	if b*rows == 0 {
		clear(res.st.data)
	} else {
		kernels.Sgemm(true, false, in, out, b*rows, 1, xc.st.data[xc.offset:], in, gsd, out, 0, res.st.data, out)
	}
	gs.Release()
	if xc != x {
		xc.Release()
	}
	if gc != g {
		gc.Release()
	}
	return res
}
