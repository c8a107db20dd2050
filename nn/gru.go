package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/tensor"
)

// GRU is Keras's GRU layer in its TF2 default form (reset_after=True, the
// cuDNN and PyTorch form), run as one fused op over the sequence like LSTM:
//
//	z = σ(x·Wz + bz + h·Uz + b'z)   r = σ(x·Wr + br + h·Ur + b'r)
//	h̃ = tanh(x·Wh + bh + r⊙(h·Uh + b'h))
//	h' = z⊙h + (1-z)⊙h̃
//
// Weights are Keras's: kernel [features, 3·Units] and recurrent_kernel
// [Units, 3·Units] with gates in Keras's order z, r, h, and bias [2,
// 3·Units] (row 0 the input bias, row 1 the recurrent bias). PyTorch's
// nn.GRU orders its gates r, z, n and stores weight_ih [3·Units, features],
// weight_hh [3·Units, Units], bias_ih, bias_hh: kernel = weight_ih.T with
// the first two gate blocks swapped, and likewise for the rest.
//
// Initial values are Keras's defaults: glorot_uniform kernel, orthogonal
// recurrent kernel, zero biases. Masking, ReturnSequences and ForwardState
// (return_state, initial_state: one state h) behave as in LSTM.
type GRU struct {
	Units           int
	ReturnSequences bool

	base
	in              []int
	reverse         bool
	zeroMaskedOut   bool
	Kernel          *tensor.Tensor `json:"-"`
	RecurrentKernel *tensor.Tensor `json:"-"`
	Bias            *tensor.Tensor `json:"-"`
}

// Build creates the weights.
func (l *GRU) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "gru"
	}
	if l.Units <= 0 {
		return fmt.Errorf("nn.GRU %q: Units must be positive, got %d", l.name, l.Units)
	}
	if len(in) != 2 || in[1] <= 0 {
		return fmt.Errorf("nn.GRU %q: input shape %s, want (None, T, features) with known features", l.name, FormatShape(in))
	}
	H := l.Units
	l.in = append([]int(nil), in...)
	l.params = nil
	l.Kernel = l.addParam("kernel", glorotUniform(rng, in[1], 3*H), true)
	l.RecurrentKernel = l.addParam("recurrent_kernel", orthogonal(rng, H, 3*H), true)
	l.Bias = l.addParam("bias", tensor.Zeros(2, 3*H), true)
	if l.ReturnSequences {
		l.setOut(in[0], H)
	} else {
		l.setOut(H)
	}
	l.built = true
	return nil
}

// Forward runs the layer without a mask.
func (l *GRU) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	out, _ := l.ForwardState(x, nil, nil, training)
	return out
}

// ForwardMasked runs the layer skipping padded steps.
func (l *GRU) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	out, _ := l.ForwardState(x, mask, nil, training)
	return out
}

// ComputeMask passes the mask on when the output is a sequence.
func (l *GRU) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor {
	if l.ReturnSequences {
		return mask
	}
	return nil
}

// ForwardState runs the layer from an initial state (nil: zeros; else
// [h0] with h0 [batch, Units]) and returns the output and the final state
// [h].
func (l *GRU) ForwardState(x, mask *tensor.Tensor, initial []*tensor.Tensor, training bool) (*tensor.Tensor, []*tensor.Tensor) {
	l.mustBuilt("GRU")
	checkInput("GRU", l.name, x, l.in)
	var h0 *tensor.Tensor
	if initial != nil {
		if len(initial) != 1 {
			panic(fmt.Sprintf("nn.GRU %q: %d initial states, want 1", l.name, len(initial)))
		}
		h0 = contig(initial[0])
	}
	B, T, H := x.Size(0), x.Size(1), l.Units
	hseq := gruSeq(l.name, contig(x), l.Kernel, l.RecurrentKernel, l.Bias, h0, mask, l.reverse)
	last := T - 1
	if l.reverse {
		last = 0
	}
	hT := hseq.Narrow(1, last, 1).Reshape(B, H)
	out := hT
	if l.ReturnSequences {
		out = hseq
		if mask != nil && l.zeroMaskedOut {
			out = tensor.Mul(out, mask.Reshape(B, T, 1))
		}
	}
	return out, []*tensor.Tensor{hT}
}

// gruSeq is the fused GRU over a sequence: x [B,T,D], W [D,3H], U [H,3H],
// b [2,3H], optional h0 [B,H] and mask [B,T]. It returns h after each step
// [B,T,H], at the step's own time index.
func gruSeq(name string, x, W, U, b, h0, mask *tensor.Tensor, reverse bool) *tensor.Tensor {
	B, T, D := x.Size(0), x.Size(1), x.Size(2)
	H := U.Size(0)
	G := 3 * H
	if h0 != nil && h0.Numel() != B*H {
		panic(fmt.Sprintf("nn.GRU %q: initial state shape %v, want [%d, %d]", name, h0.Shape(), B, H))
	}
	md := maskOf("GRU", mask, B, T)
	xd, wd, ud, bd := x.Data(), W.Data(), U.Data(), b.Data()
	bin, brec := bd[:G], bd[G:]
	var h0d []float32
	if h0 != nil {
		h0d = h0.Data()
	}
	BT := B * T
	xg := tensor.Empty(BT * G) // input projections
	xgd := xg.Data()
	for r := 0; r < BT; r++ {
		copy(xgd[r*G:(r+1)*G], bin)
	}
	kernels.Sgemm(false, false, BT, G, D, 1, xd, D, wd, G, 1, xgd, G)
	sv := tensor.Empty(BT * 4 * H) // saved per step: z, r, h̃, h·Uh+b'h
	svd := sv.Data()
	out := tensor.Empty(B, T, H)
	hs := out.Data()
	rg := make([]float32, B*G)
	order := func(s int) (t, pt int) {
		if reverse {
			return T - 1 - s, T - s
		}
		return s, s - 1
	}
	prev := func(s, pt, bi int) []float32 {
		switch {
		case s > 0:
			return hs[(bi*T+pt)*H : (bi*T+pt+1)*H]
		case h0d != nil:
			return h0d[bi*H : (bi+1)*H]
		}
		return nil
	}
	for s := 0; s < T; s++ {
		t, pt := order(s)
		for bi := 0; bi < B; bi++ {
			copy(rg[bi*G:(bi+1)*G], brec)
		}
		switch {
		case s > 0:
			kernels.Sgemm(false, false, B, G, H, 1, hs[pt*H:], T*H, ud, G, 1, rg, G)
		case h0d != nil:
			kernels.Sgemm(false, false, B, G, H, 1, h0d, H, ud, G, 1, rg, G)
		}
		stepFor(B, B*H, func(lo, hi int) {
			for bi := lo; bi < hi; bi++ {
				o := bi*T + t
				hr := hs[o*H : (o+1)*H]
				hp := prev(s, pt, bi)
				if md != nil && md[o] == 0 {
					if hp == nil {
						clear(hr)
					} else {
						copy(hr, hp)
					}
					continue
				}
				xr, rr := xgd[o*G:(o+1)*G], rg[bi*G:(bi+1)*G]
				sr := svd[o*4*H : (o+1)*4*H]
				z, r, hh := sr[:H], sr[H:2*H], sr[2*H:3*H]
				for j := 0; j < 2*H; j++ {
					sr[j] = xr[j] + rr[j]
				}
				sigmoidRow(sr[:2*H])
				for j := 0; j < H; j++ {
					hh[j] = xr[2*H+j] + r[j]*rr[2*H+j]
				}
				kernels.Tanh(hh, hh)
				copy(sr[3*H:], rr[2*H:])
				for j := 0; j < H; j++ {
					var hpj float32
					if hp != nil {
						hpj = hp[j]
					}
					hr[j] = z[j]*hpj + (1-z[j])*hh[j]
				}
			}
		})
	}
	xg.Release()
	if !tensor.Records(x, W, U, b, h0) {
		sv.Release()
	}
	return tensor.Op("GRU", out, []*tensor.Tensor{x, W, U, b, h0}, func(g *tensor.Tensor) []*tensor.Tensor {
		gH := g.Data()
		dxt, drt := tensor.Zeros(BT*G), tensor.Zeros(BT*G)
		dX, dR := dxt.Data(), drt.Data()
		dh, dhp := make([]float32, B*H), make([]float32, B*H)
		for s := T - 1; s >= 0; s-- {
			t, pt := order(s)
			stepFor(B, B*H, func(lo, hi int) {
				for bi := lo; bi < hi; bi++ {
					o := bi*T + t
					dhr := dh[bi*H : (bi+1)*H]
					kernels.Axpy(1, gH[o*H:(o+1)*H], dhr)
					if md != nil && md[o] == 0 {
						continue
					}
					hp := prev(s, pt, bi)
					sr := svd[o*4*H : (o+1)*4*H]
					dx, dr := dX[o*G:(o+1)*G], dR[o*G:(o+1)*G]
					for j := 0; j < H; j++ {
						z, r, hh, rh := sr[j], sr[H+j], sr[2*H+j], sr[3*H+j]
						var hpj float32
						if hp != nil {
							hpj = hp[j]
						}
						d := dhr[j]
						dah := d * (1 - z) * (1 - hh*hh)
						daz := d * (hpj - hh) * z * (1 - z)
						dar := dah * rh * r * (1 - r)
						dx[j], dx[H+j], dx[2*H+j] = daz, dar, dah
						dr[j], dr[H+j], dr[2*H+j] = daz, dar, dah*r
					}
				}
			})
			// dh_{t-1} = dh⊙z + dR_t·Uᵀ for stepped rows; carried rows keep dh.
			kernels.Sgemm(false, true, B, H, G, 1, dR[t*G:], T*G, ud, G, 0, dhp, H)
			for bi := 0; bi < B; bi++ {
				o := bi*T + t
				dst, src := dhp[bi*H:(bi+1)*H], dh[bi*H:(bi+1)*H]
				if md != nil && md[o] == 0 {
					copy(dst, src)
					continue
				}
				z := svd[o*4*H : o*4*H+H]
				for j := range dst {
					dst[j] += src[j] * z[j]
				}
			}
			dh, dhp = dhp, dh
		}
		grads := make([]*tensor.Tensor, 5)
		if x.NeedsGrad() {
			dx := tensor.Empty(B, T, D)
			kernels.Sgemm(false, true, BT, D, G, 1, dX, G, wd, G, 0, dx.Data(), D)
			grads[0] = dx
		}
		if W.NeedsGrad() {
			dW := tensor.Empty(D, G)
			kernels.Sgemm(true, false, D, G, BT, 1, xd, D, dX, G, 0, dW.Data(), G)
			grads[1] = dW
		}
		if U.NeedsGrad() {
			hp := tensor.Zeros(BT * H)
			hpd := hp.Data()
			for bi := 0; bi < B; bi++ {
				for s := 0; s < T; s++ {
					t, pt := order(s)
					if p := prev(s, pt, bi); p != nil {
						copy(hpd[(bi*T+t)*H:(bi*T+t+1)*H], p)
					}
				}
			}
			dU := tensor.Empty(H, G)
			kernels.Sgemm(true, false, H, G, BT, 1, hpd, H, dR, G, 0, dU.Data(), G)
			hp.Release()
			grads[2] = dU
		}
		if b.NeedsGrad() {
			db := tensor.Zeros(2, G)
			dbd := db.Data()
			for r := 0; r < BT; r++ {
				kernels.Axpy(1, dX[r*G:(r+1)*G], dbd[:G])
				kernels.Axpy(1, dR[r*G:(r+1)*G], dbd[G:])
			}
			grads[3] = db
		}
		if h0 != nil {
			grads[4] = tensor.FromSlice(append([]float32(nil), dh...), h0.Shape()...)
		}
		dxt.Release()
		drt.Release()
		sv.Release()
		return grads
	})
}
