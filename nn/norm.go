package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/tensor"
)

// LayerNorm normalizes each example over its last axis and applies a
// learned scale and offset, as Keras's LayerNormalization (axis=-1) and
// torch.nn.LayerNorm: y = (x-mean)/√(var+ε)·gamma + beta, with the biased
// variance. Epsilon defaults to Keras's 1e-3 (PyTorch's is 1e-5: set it to
// match a torch model). gamma starts at 1 and beta at 0.
type LayerNorm struct {
	Epsilon float64

	base
	in          []int
	Gamma, Beta *tensor.Tensor `json:"-"`
}

// Build creates gamma and beta.
func (l *LayerNorm) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "layer_norm"
	}
	if len(in) == 0 || in[len(in)-1] <= 0 {
		return fmt.Errorf("nn.LayerNorm %q: input shape %s needs a known last dimension", l.name, FormatShape(in))
	}
	if l.Epsilon <= 0 {
		l.Epsilon = 1e-3
	}
	c := in[len(in)-1]
	l.in = append([]int(nil), in...)
	l.params = nil
	l.Gamma = l.addParam("gamma", tensor.Ones(c), true)
	l.Beta = l.addParam("beta", tensor.Zeros(c), true)
	l.setOut(in...)
	l.built = true
	return nil
}

// Forward normalizes x ([..., C]) as one fused op.
func (l *LayerNorm) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("LayerNorm")
	checkInput("LayerNorm", l.name, x, l.in)
	x = contig(x)
	C := x.Size(-1)
	R := x.Numel() / C
	out := tensor.Empty(x.Shape()...)
	xd, od, w, b := x.Data(), out.Data(), l.Gamma.Data(), l.Beta.Data()
	mean, rstd := make([]float32, R), make([]float32, R)
	eps := float32(l.Epsilon)
	kernels.ParallelFor(R, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			mean[r], rstd[r] = kernels.LayerNorm(od[r*C:(r+1)*C], xd[r*C:(r+1)*C], w, b, eps)
		}
	})
	return tensor.Op("LayerNorm", out, []*tensor.Tensor{x, l.Gamma, l.Beta}, func(g *tensor.Tensor) []*tensor.Tensor {
		dx, dw, db := tensor.Zeros(x.Shape()...), tensor.Zeros(C), tensor.Zeros(C)
		dxd, dwd, dbd, gd := dx.Data(), dw.Data(), db.Data(), g.Data()
		for r := 0; r < R; r++ {
			kernels.LayerNormBackward(dxd[r*C:(r+1)*C], dwd, dbd, gd[r*C:(r+1)*C], xd[r*C:(r+1)*C], w, mean[r], rstd[r])
		}
		return []*tensor.Tensor{dx, dw, db}
	})
}

// ComputeMask passes a mask through.
func (l *LayerNorm) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor { return mask }

// BatchNorm is Keras's BatchNormalization over the last (channel) axis: in
// training it normalizes with the batch's mean and biased variance over
// every other axis and updates the moving statistics as Keras does,
// moving = moving·Momentum + batch·(1-Momentum); in inference it uses the
// moving statistics. Defaults are Keras's: Momentum 0.99, Epsilon 1e-3,
// gamma 1, beta 0, moving mean 0, moving variance 1.
//
// PyTorch's BatchNorm2d is channels-first (NCHW), writes its momentum the
// other way round (torch momentum = 1 - Keras momentum) and updates the
// running variance with the unbiased batch variance; Keras 3 (and TF's
// non-fused path) use the biased one, as here. Outputs and gradients in
// training mode do not depend on that choice.
type BatchNorm struct {
	Momentum float64
	Epsilon  float64

	base
	in                    []int
	Gamma, Beta           *tensor.Tensor `json:"-"`
	MovingMean, MovingVar *tensor.Tensor `json:"-"`
}

// Build creates the weights and moving statistics.
func (l *BatchNorm) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "batch_norm"
	}
	if len(in) == 0 || in[len(in)-1] <= 0 {
		return fmt.Errorf("nn.BatchNorm %q: input shape %s needs a known last (channel) dimension", l.name, FormatShape(in))
	}
	if l.Momentum <= 0 {
		l.Momentum = 0.99
	}
	if l.Epsilon <= 0 {
		l.Epsilon = 1e-3
	}
	c := in[len(in)-1]
	l.in = append([]int(nil), in...)
	l.params = nil
	l.Gamma = l.addParam("gamma", tensor.Ones(c), true)
	l.Beta = l.addParam("beta", tensor.Zeros(c), true)
	l.MovingMean = l.addParam("moving_mean", tensor.Zeros(c), false)
	l.MovingVar = l.addParam("moving_variance", tensor.Ones(c), false)
	l.setOut(in...)
	l.built = true
	return nil
}

// Forward normalizes x ([..., C]) as one fused op.
func (l *BatchNorm) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("BatchNorm")
	checkInput("BatchNorm", l.name, x, l.in)
	x = contig(x)
	C := x.Size(-1)
	R := x.Numel() / C
	xd, w, b := x.Data(), l.Gamma.Data(), l.Beta.Data()
	mean, rstd := make([]float32, C), make([]float32, C)
	if training {
		m64, v64 := make([]float64, C), make([]float64, C)
		for r := 0; r < R; r++ {
			for c, v := range xd[r*C : (r+1)*C] {
				m64[c] += float64(v)
			}
		}
		for c := range m64 {
			m64[c] /= float64(R)
		}
		for r := 0; r < R; r++ {
			for c, v := range xd[r*C : (r+1)*C] {
				d := float64(v) - m64[c]
				v64[c] += d * d
			}
		}
		mm, mv := l.MovingMean.Data(), l.MovingVar.Data()
		mo := l.Momentum
		for c := range v64 {
			v64[c] /= float64(R)
			mean[c] = float32(m64[c])
			rstd[c] = float32(1 / math.Sqrt(v64[c]+l.Epsilon))
			mm[c] = float32(float64(mm[c])*mo + m64[c]*(1-mo))
			mv[c] = float32(float64(mv[c])*mo + v64[c]*(1-mo))
		}
	} else {
		mm, mv := l.MovingMean.Data(), l.MovingVar.Data()
		for c := range mean {
			mean[c] = mm[c]
			rstd[c] = float32(1 / math.Sqrt(float64(mv[c])+l.Epsilon))
		}
	}
	out := tensor.Empty(x.Shape()...)
	od := out.Data()
	xhat := make([]float32, len(xd))
	for r := 0; r < R; r++ {
		for c := 0; c < C; c++ {
			i := r*C + c
			xhat[i] = (xd[i] - mean[c]) * rstd[c]
			od[i] = xhat[i]*w[c] + b[c]
		}
	}
	return tensor.Op("BatchNorm", out, []*tensor.Tensor{x, l.Gamma, l.Beta}, func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		dw, db := tensor.Zeros(C), tensor.Zeros(C)
		dwd, dbd := dw.Data(), db.Data()
		for r := 0; r < R; r++ {
			for c := 0; c < C; c++ {
				i := r*C + c
				dbd[c] += gd[i]
				dwd[c] += gd[i] * xhat[i]
			}
		}
		dx := tensor.Empty(x.Shape()...)
		dxd := dx.Data()
		n := float32(R)
		for r := 0; r < R; r++ {
			for c := 0; c < C; c++ {
				i := r*C + c
				if training {
					dxd[i] = w[c] * rstd[c] / n * (n*gd[i] - dbd[c] - xhat[i]*dwd[c])
				} else {
					dxd[i] = gd[i] * w[c] * rstd[c]
				}
			}
		}
		return []*tensor.Tensor{dx, dw, db}
	})
}

// GlobalAveragePooling1D averages [batch, T, C] over time to [batch, C],
// as Keras's layer; with a mask, only the unmasked steps are averaged.
type GlobalAveragePooling1D struct {
	base
	in []int
}

// Build records the shapes.
func (l *GlobalAveragePooling1D) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "global_average_pooling1d"
	}
	if len(in) != 2 {
		return fmt.Errorf("nn.GlobalAveragePooling1D %q: input shape %s, want (None, T, C)", l.name, FormatShape(in))
	}
	l.in = append([]int(nil), in...)
	l.setOut(in[1])
	l.built = true
	return nil
}

// Forward averages over time.
func (l *GlobalAveragePooling1D) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return l.ForwardMasked(x, nil, training)
}

// ForwardMasked averages over the unmasked steps.
func (l *GlobalAveragePooling1D) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("GlobalAveragePooling1D")
	checkInput("GlobalAveragePooling1D", l.name, x, l.in)
	if mask == nil {
		return tensor.Mean(x, false, 1)
	}
	B, T := x.Size(0), x.Size(1)
	m := mask.Reshape(B, T, 1)
	s := tensor.Sum(tensor.Mul(x, m), false, 1)
	return tensor.Div(s, tensor.Sum(m, false, 1))
}
