package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/tensor"
)

// LSTM is Keras's LSTM layer, run as one fused op over the whole sequence
// (as cuDNN does): the input projection of all steps is one SGEMM, each step
// adds h_{t-1}·recurrent_kernel with one small SGEMM and applies the gates,
// and the backward pass through time is written by hand.
//
// Input [batch, T, features], output [batch, T, Units] with
// ReturnSequences, else [batch, Units] (the last step's h). ForwardState is
// Keras's return_state=True and initial_state.
//
//	i = σ(x·Wi + h·Ui + bi)    f = σ(x·Wf + h·Uf + bf)
//	c̃ = tanh(x·Wc + h·Uc + bc) o = σ(x·Wo + h·Uo + bo)
//	c' = f⊙c + i⊙c̃             h' = o⊙tanh(c')
//
// Weights are Keras's: kernel [features, 4·Units], recurrent_kernel
// [Units, 4·Units], bias [4·Units], gates in Keras's order i, f, c, o.
// PyTorch's nn.LSTM orders its gates i, f, g, o (the same order, with g for
// c̃) and stores weight_ih [4·Units, features] and weight_hh [4·Units,
// Units] transposed, with two biases: kernel = weight_ih.T,
// recurrent_kernel = weight_hh.T, bias = bias_ih + bias_hh.
//
// Initial values are Keras's defaults: glorot_uniform kernel, orthogonal
// recurrent kernel, zero bias except the forget gate's, which is 1
// (unit_forget_bias=True).
//
// With a mask (from Embedding with MaskZero), a padded step leaves h and c
// unchanged, and its output is the carried h (Keras's default), or zero
// inside Bidirectional with ReturnSequences (zero_output_for_mask).
type LSTM struct {
	Units           int
	ReturnSequences bool

	base
	in              []int
	reverse         bool // process time backwards, outputs at their original steps (Bidirectional)
	zeroMaskedOut   bool
	Kernel          *tensor.Tensor `json:"-"`
	RecurrentKernel *tensor.Tensor `json:"-"`
	Bias            *tensor.Tensor `json:"-"`
}

// Build creates the weights.
func (l *LSTM) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "lstm"
	}
	if l.Units <= 0 {
		return fmt.Errorf("nn.LSTM %q: Units must be positive, got %d", l.name, l.Units)
	}
	if len(in) != 2 || in[1] <= 0 {
		return fmt.Errorf("nn.LSTM %q: input shape %s, want (None, T, features) with known features", l.name, FormatShape(in))
	}
	H := l.Units
	l.in = append([]int(nil), in...)
	l.params = nil
	l.Kernel = l.addParam("kernel", glorotUniform(rng, in[1], 4*H), true)
	l.RecurrentKernel = l.addParam("recurrent_kernel", orthogonal(rng, H, 4*H), true)
	b := tensor.Zeros(4 * H)
	bd := b.Data()
	for j := H; j < 2*H; j++ {
		bd[j] = 1
	}
	l.Bias = l.addParam("bias", b, true)
	if l.ReturnSequences {
		l.setOut(in[0], H)
	} else {
		l.setOut(H)
	}
	l.built = true
	return nil
}

// Forward runs the layer without a mask.
func (l *LSTM) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	out, _ := l.ForwardState(x, nil, nil, training)
	return out
}

// ForwardMasked runs the layer skipping padded steps.
func (l *LSTM) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	out, _ := l.ForwardState(x, mask, nil, training)
	return out
}

// ComputeMask passes the mask on when the output is a sequence.
func (l *LSTM) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor {
	if l.ReturnSequences {
		return mask
	}
	return nil
}

// ForwardState runs the layer from initial states (nil: zeros; else
// [h0, c0], each [batch, Units]) and returns the output and the final
// states [h, c], as Keras's return_state=True.
func (l *LSTM) ForwardState(x, mask *tensor.Tensor, initial []*tensor.Tensor, training bool) (*tensor.Tensor, []*tensor.Tensor) {
	l.mustBuilt("LSTM")
	checkInput("LSTM", l.name, x, l.in)
	var h0, c0 *tensor.Tensor
	if initial != nil {
		if len(initial) != 2 {
			panic(fmt.Sprintf("nn.LSTM %q: %d initial states, want 2 (h, c)", l.name, len(initial)))
		}
		h0, c0 = contig(initial[0]), contig(initial[1])
	}
	B, T, H := x.Size(0), x.Size(1), l.Units
	states := lstmSeq(l.name, contig(x), l.Kernel, l.RecurrentKernel, l.Bias, h0, c0, mask, l.reverse)
	hseq := states.Narrow(0, 0, 1).Reshape(B, T, H)
	cseq := states.Narrow(0, 1, 1).Reshape(B, T, H)
	last := T - 1
	if l.reverse {
		last = 0
	}
	hT := hseq.Narrow(1, last, 1).Reshape(B, H)
	cT := cseq.Narrow(1, last, 1).Reshape(B, H)
	out := hT
	if l.ReturnSequences {
		out = hseq
		if mask != nil && l.zeroMaskedOut {
			out = tensor.Mul(out, mask.Reshape(B, T, 1))
		}
	}
	return out, []*tensor.Tensor{hT, cT}
}

// stepFor runs fn over [0, n) for one time step of a recurrent layer: on
// the calling goroutine when the step is small (work values), where the
// worker pool's hand-off would cost more than it saves (and, on a busy
// machine, a descheduled worker stalls all 2·T steps), else in parallel.
func stepFor(n, work int, fn func(lo, hi int)) {
	if work < 1<<15 {
		fn(0, n)
		return
	}
	kernels.ParallelFor(n, fn)
}

// sigmoidRow computes x = 1/(1+e^-x) in place with the vector exp kernel.
func sigmoidRow(x []float32) {
	for j := range x {
		x[j] = -x[j]
	}
	kernels.Exp(x, x)
	for j, e := range x {
		x[j] = 1 / (1 + e)
	}
}

// maskOf returns the mask values of [B, T] mask, or nil.
func maskOf(op string, mask *tensor.Tensor, B, T int) []float32 {
	if mask == nil {
		return nil
	}
	if mask.Numel() != B*T {
		panic(fmt.Sprintf("nn.%s: mask shape %v does not fit input [%d, %d, ...]", op, mask.Shape(), B, T))
	}
	return mask.ToSlice()
}

// lstmSeq is the fused LSTM over a sequence. x [B,T,D], W [D,4H], U [H,4H],
// b [4H], optional h0, c0 [B,H], optional mask [B,T]. It returns the states
// [2,B,T,H]: h after each step, then c after each step, at the step's own
// time index (also when reverse).
func lstmSeq(name string, x, W, U, b, h0, c0, mask *tensor.Tensor, reverse bool) *tensor.Tensor {
	B, T, D := x.Size(0), x.Size(1), x.Size(2)
	H := U.Size(0)
	G := 4 * H
	if (h0 == nil) != (c0 == nil) {
		panic(fmt.Sprintf("nn.LSTM %q: give both initial states or neither", name))
	}
	if h0 != nil && (h0.Numel() != B*H || c0.Numel() != B*H) {
		panic(fmt.Sprintf("nn.LSTM %q: initial state shapes %v, %v, want [%d, %d]", name, h0.Shape(), c0.Shape(), B, H))
	}
	md := maskOf("LSTM", mask, B, T)
	xd, wd, ud, bd := x.Data(), W.Data(), U.Data(), b.Data()
	var h0d, c0d []float32
	if h0 != nil {
		h0d, c0d = h0.Data(), c0.Data()
	}
	BT, BTH := B*T, B*T*H
	gt := tensor.Empty(BT * G) // gate pre-activations, then activations
	gates := gt.Data()
	for r := 0; r < BT; r++ {
		copy(gates[r*G:(r+1)*G], bd)
	}
	kernels.Sgemm(false, false, BT, G, D, 1, xd, D, wd, G, 1, gates, G)
	out := tensor.Empty(2, B, T, H)
	od := out.Data()
	hs, cs := od[:BTH], od[BTH:]
	order := func(s int) (t, pt int) {
		if reverse {
			return T - 1 - s, T - s
		}
		return s, s - 1
	}
	// prev returns the state rows before step s for example bi (nil: zero).
	prev := func(s, pt, bi int) (hp, cp []float32) {
		switch {
		case s > 0:
			o := (bi*T + pt) * H
			return hs[o : o+H], cs[o : o+H]
		case h0d != nil:
			return h0d[bi*H : (bi+1)*H], c0d[bi*H : (bi+1)*H]
		}
		return nil, nil
	}
	for s := 0; s < T; s++ {
		t, pt := order(s)
		switch {
		case s > 0:
			kernels.Sgemm(false, false, B, G, H, 1, hs[pt*H:], T*H, ud, G, 1, gates[t*G:], T*G)
		case h0d != nil:
			kernels.Sgemm(false, false, B, G, H, 1, h0d, H, ud, G, 1, gates[t*G:], T*G)
		}
		stepFor(B, B*H, func(lo, hi int) {
			for bi := lo; bi < hi; bi++ {
				o := (bi*T + t) * H
				hr, cr := hs[o:o+H], cs[o:o+H]
				hp, cp := prev(s, pt, bi)
				if md != nil && md[bi*T+t] == 0 {
					if hp == nil {
						clear(hr)
						clear(cr)
					} else {
						copy(hr, hp)
						copy(cr, cp)
					}
					continue
				}
				g := gates[(bi*T+t)*G : (bi*T+t+1)*G]
				sigmoidRow(g[:2*H])
				kernels.Tanh(g[2*H:3*H], g[2*H:3*H])
				sigmoidRow(g[3*H:])
				i, f, c, og := g[:H], g[H:2*H], g[2*H:3*H], g[3*H:]
				for j := 0; j < H; j++ {
					cn := i[j] * c[j]
					if cp != nil {
						cn += f[j] * cp[j]
					}
					cr[j] = cn
				}
				kernels.Tanh(hr, cr)
				for j := 0; j < H; j++ {
					hr[j] *= og[j]
				}
			}
		})
	}
	inputs := []*tensor.Tensor{x, W, U, b, h0, c0}
	if !tensor.Records(inputs...) {
		gt.Release()
	}
	return tensor.Op("LSTM", out, inputs, func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		gH, gC := gd[:BTH], gd[BTH:]
		dgt := tensor.Zeros(BT * G)
		dg := dgt.Data()
		dh, dc, dhp := make([]float32, B*H), make([]float32, B*H), make([]float32, B*H)
		tcs := make([]float32, B*H) // tanh(c_t) per example
		for s := T - 1; s >= 0; s-- {
			t, pt := order(s)
			stepFor(B, B*H, func(lo, hi int) {
				for bi := lo; bi < hi; bi++ {
					o := (bi*T + t) * H
					dhr, dcr := dh[bi*H:(bi+1)*H], dc[bi*H:(bi+1)*H]
					kernels.Axpy(1, gH[o:o+H], dhr)
					kernels.Axpy(1, gC[o:o+H], dcr)
					if md != nil && md[bi*T+t] == 0 {
						continue // state carried: gradients pass straight through
					}
					_, cp := prev(s, pt, bi)
					cr := cs[o : o+H]
					ga := gates[(bi*T+t)*G : (bi*T+t+1)*G]
					dga := dg[(bi*T+t)*G : (bi*T+t+1)*G]
					tcr := tcs[bi*H : (bi+1)*H]
					kernels.Tanh(tcr, cr)
					for j := 0; j < H; j++ {
						i, f, c, og := ga[j], ga[H+j], ga[2*H+j], ga[3*H+j]
						tc := tcr[j]
						dhj := dhr[j]
						dcj := dcr[j] + dhj*og*(1-tc*tc)
						var cpj float32
						if cp != nil {
							cpj = cp[j]
						}
						dga[j] = dcj * c * i * (1 - i)
						dga[H+j] = dcj * cpj * f * (1 - f)
						dga[2*H+j] = dcj * i * (1 - c*c)
						dga[3*H+j] = dhj * tc * og * (1 - og)
						dcr[j] = dcj * f
					}
				}
			})
			// dh_{t-1} = dgates_t · Uᵀ for stepped rows; carried rows keep dh.
			kernels.Sgemm(false, true, B, H, G, 1, dg[t*G:], T*G, ud, G, 0, dhp, H)
			for bi := 0; bi < B; bi++ {
				if md != nil && md[bi*T+t] == 0 {
					copy(dhp[bi*H:(bi+1)*H], dh[bi*H:(bi+1)*H])
				}
			}
			dh, dhp = dhp, dh
		}
		grads := make([]*tensor.Tensor, 6)
		if x.NeedsGrad() {
			dx := tensor.Empty(B, T, D)
			kernels.Sgemm(false, true, BT, D, G, 1, dg, G, wd, G, 0, dx.Data(), D)
			grads[0] = dx
		}
		if W.NeedsGrad() {
			dW := tensor.Empty(D, G)
			kernels.Sgemm(true, false, D, G, BT, 1, xd, D, dg, G, 0, dW.Data(), G)
			grads[1] = dW
		}
		if U.NeedsGrad() {
			hp := tensor.Zeros(BT * H)
			hpd := hp.Data()
			for bi := 0; bi < B; bi++ {
				for s := 0; s < T; s++ {
					t, pt := order(s)
					if p, _ := prev(s, pt, bi); p != nil {
						copy(hpd[(bi*T+t)*H:(bi*T+t+1)*H], p)
					}
				}
			}
			dU := tensor.Empty(H, G)
			kernels.Sgemm(true, false, H, G, BT, 1, hpd, H, dg, G, 0, dU.Data(), G)
			hp.Release()
			grads[2] = dU
		}
		if b.NeedsGrad() {
			db := tensor.Zeros(G)
			dbd := db.Data()
			for r := 0; r < BT; r++ {
				kernels.Axpy(1, dg[r*G:(r+1)*G], dbd)
			}
			grads[3] = db
		}
		if h0 != nil {
			grads[4] = tensor.FromSlice(append([]float32(nil), dh...), h0.Shape()...)
			grads[5] = tensor.FromSlice(append([]float32(nil), dc...), c0.Shape()...)
		}
		dgt.Release()
		gt.Release()
		return grads
	})
}
