package optim

import (
	"fmt"
	"math"

	"github.com/golemml/golem/internal/kernels"
)

// Param is one trainable parameter: its values and its gradient, both flat.
type Param struct {
	Name  string
	Data  []float32 // the parameter's values, updated in place
	Grad  []float32 // its gradient, same length
	Decay bool      // whether weight decay / L2 applies (2-D weights yes, biases and norms no)
}

// Optimizer updates params from their gradients.
type Optimizer interface {
	// Step applies one update to every param. Per-parameter state is
	// keyed by the *Param, so pass the same pointers each step.
	Step(params []*Param)
	// LR returns the current learning rate.
	LR() float64
	// SetLR changes the learning rate (for schedules).
	SetLR(lr float64)
}

func check(op string, p *Param) {
	if len(p.Grad) != len(p.Data) {
		panic(fmt.Sprintf("optim.%s: param %q has %d values but %d gradients", op, p.Name, len(p.Data), len(p.Grad)))
	}
}

// ZeroGrad sets every gradient to zero.
func ZeroGrad(params []*Param) {
	for _, p := range params {
		clear(p.Grad)
	}
}

// ClipGradNorm scales all gradients together so that their global L2 norm
// (the norm of the concatenation of all gradients) is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_ does: the scale is
// min(1, maxNorm/(total+1e-6)). It returns the total norm before clipping.
// The norm is accumulated in float64.
func ClipGradNorm(params []*Param, maxNorm float64) (total float64) {
	var ss float64
	for _, p := range params {
		ss += sumSquares(p.Grad)
	}
	total = math.Sqrt(ss)
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total
	}
	coef := maxNorm / (total + 1e-6)
	if coef < 1 {
		c := float32(coef)
		for _, p := range params {
			scale(p.Grad, c)
		}
	}
	return total
}

// GradNorm returns the global L2 norm of all gradients, in float64.
func GradNorm(params []*Param) float64 {
	var ss float64
	for _, p := range params {
		ss += sumSquares(p.Grad)
	}
	return math.Sqrt(ss)
}

func sumSquares(g []float32) float64 {
	// Four float64 accumulators: accurate and fast enough.
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(g); i += 4 {
		v := g[i : i+4 : i+4]
		a, b, c, d := float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(g); i++ {
		a := float64(g[i])
		s0 += a * a
	}
	return (s0 + s1) + (s2 + s3)
}

func scale(x []float32, c float32) {
	for i := range x {
		x[i] *= c
	}
}

var (
	_ Optimizer = (*SGD)(nil)
	_ Optimizer = (*Adam)(nil)
	_ Optimizer = (*AdamW)(nil)
	_ Optimizer = (*RMSProp)(nil)
	_ Optimizer = (*Adagrad)(nil)

	_ Schedule = Constant(0)
	_ Schedule = StepDecay{}
	_ Schedule = ExponentialDecay{}
	_ Schedule = CosineWithWarmup{}
	_ Schedule = CosineDecay{}
	_ Schedule = PolynomialDecay{}
	_ Schedule = InverseTimeDecay{}
	_ Schedule = PiecewiseConstant{}
)

// parallelMin is the parameter size from which an update is split across
// the kernels worker pool; smaller ones run on the calling goroutine.
const parallelMin = 1 << 15

func parallel(n int, fn func(lo, hi int)) {
	if n < parallelMin {
		fn(0, n)
		return
	}
	kernels.ParallelFor(n, fn)
}
