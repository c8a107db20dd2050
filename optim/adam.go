package optim

import "math"

type adamState struct {
	step int
	m, v []float32
	vmax []float32 // AMSGrad only
}

func newAdamState(n int, amsgrad bool) *adamState {
	s := &adamState{m: make([]float32, n), v: make([]float32, n)}
	if amsgrad {
		s.vmax = make([]float32, n)
	}
	return s
}

// Adam is the Adam optimizer (Kingma & Ba) as torch.optim.Adam, with
// WeightDecay as an L2 penalty added to the gradient (params with Decay
// only). Defaults are PyTorch's: Beta1 0.9, Beta2 0.999, Eps 1e-8. Keras's
// Adam uses epsilon 1e-7 and applies it to the un-bias-corrected second
// moment; set Eps to 1e-7 to approach it.
//
//	g = grad + WeightDecay·p
//	m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
//	p = p - lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + Eps)
type Adam struct {
	Lr          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	AMSGrad     bool // use the running maximum of v, as torch's amsgrad=True

	state map[*Param]*adamState
	job   adamJob
}

// NewAdam returns Adam with PyTorch's defaults and learning rate lr
// (PyTorch's default is 1e-3).
func NewAdam(lr float64) *Adam {
	return &Adam{Lr: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// LR returns the learning rate.
func (o *Adam) LR() float64 { return o.Lr }

// SetLR sets the learning rate.
func (o *Adam) SetLR(lr float64) { o.Lr = lr }

// Step applies one Adam update.
func (o *Adam) Step(params []*Param) {
	if o.state == nil {
		o.state = make(map[*Param]*adamState)
	}
	for _, p := range params {
		check("Adam", p)
		s := o.state[p]
		if s == nil {
			s = newAdamState(len(p.Data), o.AMSGrad)
			o.state[p] = s
		}
		s.step++
		wd := 0.0
		if p.Decay {
			wd = o.WeightDecay
		}
		o.job.c.decay = 1
		o.job.run(p.Data, p.Grad, s, o.Lr, o.Beta1, o.Beta2, o.Eps, wd, o.AMSGrad)
	}
}

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter) as
// torch.optim.AdamW: before the Adam update, params with Decay are scaled
// by 1 - lr·WeightDecay. Defaults are PyTorch's: Beta1 0.9, Beta2 0.999,
// Eps 1e-8, WeightDecay 0.01.
type AdamW struct {
	Lr          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	AMSGrad     bool

	state map[*Param]*adamState
	job   adamJob
}

// NewAdamW returns AdamW with PyTorch's defaults and learning rate lr.
func NewAdamW(lr float64) *AdamW {
	return &AdamW{Lr: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
}

// LR returns the learning rate.
func (o *AdamW) LR() float64 { return o.Lr }

// SetLR sets the learning rate.
func (o *AdamW) SetLR(lr float64) { o.Lr = lr }

// Step applies one AdamW update.
func (o *AdamW) Step(params []*Param) {
	if o.state == nil {
		o.state = make(map[*Param]*adamState)
	}
	for _, p := range params {
		check("AdamW", p)
		s := o.state[p]
		if s == nil {
			s = newAdamState(len(p.Data), o.AMSGrad)
			o.state[p] = s
		}
		s.step++
		o.job.c.decay = 1
		if p.Decay && o.WeightDecay != 0 {
			o.job.c.decay = float32(1 - o.Lr*o.WeightDecay)
		}
		o.job.run(p.Data, p.Grad, s, o.Lr, o.Beta1, o.Beta2, o.Eps, 0, o.AMSGrad)
	}
}

// adamJob is torch's _single_tensor_adam(w) for one tensor, in float32
// with the same operation order (and fused multiply-adds where torch's
// kernels use them); the scalars are computed in float64 as Python does.
// It lives in the optimizer so that handing its chunks to the worker pool
// allocates no closure.
type adamJob struct {
	data, grad, m, v, vmax []float32
	c                      adamConsts // decay: AdamW's 1 - lr·wd; 1 for Adam
	w                      float32    // Adam's L2 weight decay
	fn                     func(lo, hi int)
}

func (j *adamJob) run(data, grad []float32, s *adamState, lr, beta1, beta2, eps, wd float64, amsgrad bool) {
	t := float64(s.step)
	bc1 := 1 - math.Pow(beta1, t)
	bc2 := 1 - math.Pow(beta2, t)
	n := len(data)
	j.data, j.grad, j.m, j.v = data, grad[:n], s.m[:n], s.v[:n]
	j.vmax = nil
	if amsgrad {
		j.vmax = s.vmax[:n]
	}
	j.c.stepSize = float32(-(lr / bc1))
	j.c.bc2s = float32(math.Sqrt(bc2))
	j.c.b1, j.c.a1 = float32(beta1), float32(1-beta1)
	j.c.b2, j.c.a2 = float32(beta2), float32(1-beta2)
	j.c.e, j.w = float32(eps), float32(wd)
	if j.fn == nil {
		j.fn = j.chunk
	}
	parallel(n, j.fn)
	j.data, j.grad, j.m, j.v, j.vmax = nil, nil, nil, nil, nil
}

func (j *adamJob) chunk(lo, hi int) {
	data, grad, m, v := j.data[lo:hi], j.grad[lo:hi], j.m[lo:hi], j.v[lo:hi]
	grad, m, v = grad[:len(data)], m[:len(data)], v[:len(data)]
	c := j.c
	stepSize, bc2s, b1, a1, b2, a2, e, decay := c.stepSize, c.bc2s, c.b1, c.a1, c.b2, c.a2, c.e, c.decay
	w := j.w
	var vmax []float32
	if j.vmax != nil {
		vmax = j.vmax[lo:hi]
		vmax = vmax[:len(data)]
	}
	start := 0
	if w == 0 && vmax == nil {
		start = adamVec(data, grad, m, v, &c)
	}
	for i := start; i < len(data); i++ {
		g := grad[i]
		if decay != 1 {
			data[i] *= decay
		}
		if w != 0 {
			g = fma32(w, data[i], g) // Adam's L2: g = grad + w·p
		}
		mi := fma32(a1, g, float32(m[i]*b1))
		vi := fma32(float32(a2*g), g, float32(v[i]*b2))
		m[i], v[i] = mi, vi
		if vmax != nil {
			vi = max(vmax[i], vi)
			vmax[i] = vi
		}
		den := float32(sqrt32(vi)/bc2s) + e
		data[i] += float32(stepSize*mi) / den
	}
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// fma32 returns a·b + c rounded once to float32 (up to a double rounding
// through float64 in rare halfway cases): PyTorch's CPU kernels compute
// add(alpha=) and addcmul with fused multiply-adds, and matching them keeps
// golem within a few ulps of torch over many steps. The float32 product is
// exact in float64.
func fma32(a, b, c float32) float32 {
	return float32(float64(a)*float64(b) + float64(c))
}
