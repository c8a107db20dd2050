package tensor

import (
	"fmt"

	"github.com/golemml/golem/internal/kernels"
)

// MatMul returns the matrix product of a and b with torch.matmul's rules:
// 1-D·1-D is a dot product; a 1-D operand is promoted to a matrix (a row
// for a, a column for b) and the added dimension removed from the result;
// otherwise the last two dimensions multiply, (…,m,k)·(…,k,n) → (…,m,n),
// and the leading (batch) dimensions broadcast.
//
// Transposed views (Transpose, T) are multiplied without copying.
func MatMul(a, b *Tensor) *Tensor {
	a.live("MatMul")
	b.live("MatMul")
	if a.Dim() == 0 || b.Dim() == 0 {
		panic(fmt.Sprintf("tensor.MatMul: scalar operand (shapes %v and %v); use Mul", a.shape, b.shape))
	}
	if a.Dim() == 1 && b.Dim() == 1 {
		r := MatMul(a.Unsqueeze(0), b.Unsqueeze(1))
		return r.Reshape()
	}
	if a.Dim() == 1 {
		r := MatMul(a.Unsqueeze(0), b)
		return r.Squeeze(-2)
	}
	if b.Dim() == 1 {
		r := MatMul(a, b.Unsqueeze(1))
		return r.Squeeze(-1)
	}
	if a.shape[a.Dim()-1] != b.shape[b.Dim()-2] {
		panic(fmt.Sprintf("tensor.MatMul: inner dimensions differ: %v · %v", a.shape, b.shape))
	}
	if b.Dim() == 2 && a.Dim() > 2 && a.IsContiguous() {
		return matmulFolded(a, b)
	}
	out := bmm(a, b)
	return record("MatMul", out, []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			bt := swapLast(b)
			ga = reduceTemp(bmm(g, bt), a.shape)
			bt.Release()
		}
		if b.requiresGrad {
			at := swapLast(a)
			gb = reduceTemp(bmm(at, g), b.shape)
			at.Release()
		}
		return []*Tensor{ga, gb}
	})
}

// matmulFolded multiplies a contiguous (…,m,k) by a matrix (k,n) as one
// (…·m, k)·(k, n) product, as a Dense layer on a sequence does. Besides
// running one large GEMM instead of a batch of small ones, its backward
// forms b's gradient as one (k, …·m)·(…·m, n) product instead of a batch of
// products summed afterwards.
func matmulFolded(a, b *Tensor) *Tensor {
	na := a.Dim()
	k, n := a.shape[na-1], b.shape[1]
	rows := numel(a.shape[:na-1])
	a2 := &Tensor{st: a.st, offset: a.offset, shape: []int{rows, k}, strides: []int{k, 1}}
	out := bmm(a2, b)
	outShape := append(append([]int(nil), a.shape[:na-1]...), n)
	out.shape, out.strides = outShape, contiguousStrides(outShape)
	return record("MatMul", out, []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		gc := g.contiguousRaw()
		g2 := &Tensor{st: gc.st, offset: gc.offset, shape: []int{rows, n}, strides: []int{n, 1}}
		var ga, gb *Tensor
		if a.requiresGrad {
			bt := swapLast(b)
			ga = bmm(g2, bt)
			bt.Release()
			ga.shape, ga.strides = a.shape, contiguousStrides(a.shape)
		}
		if b.requiresGrad {
			at := swapLast(a2)
			gb = bmm(at, g2)
			at.Release()
		}
		if gc != g {
			gc.Release()
		}
		return []*Tensor{ga, gb}
	})
}

// swapLast returns an unrecorded view of t with its last two dimensions
// swapped.
func swapLast(t *Tensor) *Tensor {
	n := t.Dim()
	sh := append([]int(nil), t.shape...)
	st := append([]int(nil), t.strides...)
	sh[n-1], sh[n-2] = sh[n-2], sh[n-1]
	st[n-1], st[n-2] = st[n-2], st[n-1]
	return t.view(t.offset, sh, st)
}

// matLayout reports how the last two dimensions of t can be handed to
// Sgemm: row-major with leading dimension ld, or transposed.
func matLayout(t *Tensor) (trans bool, ld int, ok bool) {
	n := t.Dim()
	rows, cols := t.shape[n-2], t.shape[n-1]
	rs, cs := t.strides[n-2], t.strides[n-1]
	if cs == 1 || cols == 1 {
		if rows == 1 {
			return false, max(cols, 1), true
		}
		if rs >= cols {
			return false, rs, true
		}
	}
	if rs == 1 || rows == 1 {
		if cs >= rows {
			return true, cs, true
		}
	}
	return false, 0, false
}

// bmmSmall is the m·n·k below which a batched product is parallelized over
// the batch rather than inside each matrix product.
const bmmSmall = 128 * 128 * 128

// bmm multiplies (…,m,k)·(…,k,n) with broadcast batch dimensions, without
// recording.
func bmm(a, b *Tensor) *Tensor {
	ta, lda, ok := matLayout(a)
	if !ok {
		a = a.contiguousRaw()
		defer a.Release()
		ta, lda, _ = matLayout(a)
	}
	tb, ldb, ok := matLayout(b)
	if !ok {
		b = b.contiguousRaw()
		defer b.Release()
		tb, ldb, _ = matLayout(b)
	}
	na, nb := a.Dim(), b.Dim()
	m, k, n := a.shape[na-2], a.shape[na-1], b.shape[nb-1]
	batch := broadcastShape("MatMul", a.shape[:na-2], b.shape[:nb-2])
	outShape := append(append([]int(nil), batch...), m, n)
	out := newTensor(outShape, false)
	if numel(outShape) == 0 {
		return out
	}
	// Batch strides of a and b over the broadcast batch shape.
	abat := &Tensor{shape: a.shape[:na-2], strides: a.strides[:na-2]}
	bbat := &Tensor{shape: b.shape[:nb-2], strides: b.strides[:nb-2]}
	sa, sb := broadcastStrides(abat, batch), broadcastStrides(bbat, batch)
	od := out.st.data
	nbatch := numel(batch)
	offA := make([]int, 0, nbatch)
	offB := make([]int, 0, nbatch)
	if len(batch) == 0 {
		offA, offB = append(offA, a.offset), append(offB, b.offset)
	} else {
		iterRuns(batch, []int{a.offset, b.offset}, [][]int{sa, sb}, func(offs []int, cnt int) {
			la, lb := sa[len(sa)-1], sb[len(sb)-1]
			for j := 0; j < cnt; j++ {
				offA = append(offA, offs[0]+j*la)
				offB = append(offB, offs[1]+j*lb)
			}
		})
	}
	ad, bd := a.st.data, b.st.data
	gemm := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			kernels.Sgemm(ta, tb, m, n, k, 1, ad[offA[i]:], lda, bd[offB[i]:], ldb, 0, od[i*m*n:(i+1)*m*n], n)
		}
	}
	// Small matrices (attention heads: (B·H, T, T)·(B·H, T, d)) are too
	// small for Sgemm to split well, so the batch is split over threads
	// instead; each Sgemm then runs on one thread. Large ones are left to
	// Sgemm's own parallelism.
	if nbatch > 1 && m*n*k <= bmmSmall {
		kernels.ParallelFor(nbatch, gemm)
	} else {
		gemm(0, nbatch)
	}
	return out
}
