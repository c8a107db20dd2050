package tensor

import (
	"fmt"
	"math"
)

// Pow returns a^b elementwise with broadcasting. The gradient with respect
// to b is g·aᵇ·ln a, which is NaN for a ≤ 0 as in PyTorch; use PowScalar
// for a constant exponent.
func Pow(a, b *Tensor) *Tensor {
	a.live("Pow")
	b.live("Pow")
	shape := broadcastShape("Pow", a.shape, b.shape)
	out := newTensor(shape, false)
	od, ad, bd := out.st.data, a.st.data, b.st.data
	sa, sb := broadcastStrides(a, shape), broadcastStrides(b, shape)
	la, lb := lastStride(sa), lastStride(sb)
	forRows(shape, [3]int{a.offset, b.offset}, [3][]int{sa, sb}, func(o int, offs [3]int, n int) {
		for j := 0; j < n; j++ {
			od[o+j] = float32(math.Pow(float64(ad[offs[0]+j*la]), float64(bd[offs[1]+j*lb])))
		}
	})
	return record("Pow", out, []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		sg := broadcastStrides(g, shape)
		lg := lastStride(sg)
		gd := g.st.data
		var ga, gb *Tensor
		if a.requiresGrad {
			full := newTensor(shape, false)
			fd := full.st.data
			forRows(shape, [3]int{a.offset, b.offset, g.offset}, [3][]int{sa, sb, sg}, func(o int, offs [3]int, n int) {
				for j := 0; j < n; j++ {
					x, p := float64(ad[offs[0]+j*la]), float64(bd[offs[1]+j*lb])
					d := 0.0
					if p != 0 {
						d = p * math.Pow(x, p-1)
					}
					fd[o+j] = gd[offs[2]+j*lg] * float32(d)
				}
			})
			ga = reduceTemp(full, a.shape)
		}
		if b.requiresGrad {
			full := newTensor(shape, false)
			fd := full.st.data
			forRows(shape, [3]int{a.offset, g.offset}, [3][]int{sa, sg}, func(o int, offs [3]int, n int) {
				for j := 0; j < n; j++ {
					x := float64(ad[offs[0]+j*la])
					fd[o+j] = gd[offs[1]+j*lg] * od[o+j] * float32(math.Log(x))
				}
			})
			gb = reduceTemp(full, b.shape)
		}
		return []*Tensor{ga, gb}
	})
}

// Where returns, elementwise with broadcasting over all three, a where
// cond is non-zero and b elsewhere, as torch.where. cond receives no
// gradient.
func Where(cond, a, b *Tensor) *Tensor {
	cond.live("Where")
	a.live("Where")
	b.live("Where")
	shape := broadcastShape("Where", broadcastShape("Where", cond.shape, a.shape), b.shape)
	out := newTensor(shape, false)
	od, cd, ad, bd := out.st.data, cond.st.data, a.st.data, b.st.data
	sc, sa, sb := broadcastStrides(cond, shape), broadcastStrides(a, shape), broadcastStrides(b, shape)
	lc, la, lb := lastStride(sc), lastStride(sa), lastStride(sb)
	forRows(shape, [3]int{cond.offset, a.offset, b.offset}, [3][]int{sc, sa, sb}, func(o int, offs [3]int, n int) {
		for j := 0; j < n; j++ {
			if cd[offs[0]+j*lc] != 0 {
				od[o+j] = ad[offs[1]+j*la]
			} else {
				od[o+j] = bd[offs[2]+j*lb]
			}
		}
	})
	return record("Where", out, []*Tensor{nil, a, b}, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = reduceTemp(selectGrad(g, cond, shape, true), a.shape)
		}
		if b.requiresGrad {
			gb = reduceTemp(selectGrad(g, cond, shape, false), b.shape)
		}
		return []*Tensor{nil, ga, gb}
	})
}

// selectGrad returns g (of shape) where (cond != 0) == keep and 0
// elsewhere, as a new contiguous tensor.
func selectGrad(g, cond *Tensor, shape []int, keep bool) *Tensor {
	full := newTensor(shape, false)
	fd, gd, cd := full.st.data, g.st.data, cond.st.data
	sg, sc := broadcastStrides(g, shape), broadcastStrides(cond, shape)
	lg, lc := lastStride(sg), lastStride(sc)
	forRows(shape, [3]int{g.offset, cond.offset}, [3][]int{sg, sc}, func(o int, offs [3]int, n int) {
		for j := 0; j < n; j++ {
			if (cd[offs[1]+j*lc] != 0) == keep {
				fd[o+j] = gd[offs[0]+j*lg]
			} else {
				fd[o+j] = 0
			}
		}
	})
	return full
}

// MaskedFill returns t with v written where mask is non-zero, as
// torch.masked_fill; mask broadcasts to t's shape (for example a causal
// (T,T) mask over (B,H,T,T) attention scores). The filled positions get
// no gradient.
func MaskedFill(t, mask *Tensor, v float32) *Tensor {
	t.live("MaskedFill")
	mask.live("MaskedFill")
	if bs := broadcastShape("MaskedFill", t.shape, mask.shape); !sameShape(bs, t.shape) {
		panic(fmt.Sprintf("tensor.MaskedFill: mask of shape %v does not broadcast to tensor shape %v", mask.shape, t.shape))
	}
	shape := t.shape
	out := newTensor(shape, false)
	od, td, md := out.st.data, t.st.data, mask.st.data
	st, sm := broadcastStrides(t, shape), broadcastStrides(mask, shape)
	lt, lm := lastStride(st), lastStride(sm)
	forRows(shape, [3]int{t.offset, mask.offset}, [3][]int{st, sm}, func(o int, offs [3]int, n int) {
		for j := 0; j < n; j++ {
			if md[offs[1]+j*lm] != 0 {
				od[o+j] = v
			} else {
				od[o+j] = td[offs[0]+j*lt]
			}
		}
	})
	return record("MaskedFill", out, []*Tensor{t, nil}, func(g *Tensor) []*Tensor {
		return []*Tensor{selectGrad(g, mask, shape, false), nil}
	})
}
