package optim

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and L2 weight decay, as torch.optim.SGD:
//
//	g = grad + WeightDecay·p            (params with Decay only)
//	b = g (first step), else b = Momentum·b + (1-Dampening)·g
//	g = g + Momentum·b (Nesterov) or g = b
//	p = p - lr·g
type SGD struct {
	Lr          float64
	Momentum    float64 // 0 (torch's default) disables the momentum buffer
	Dampening   float64
	Nesterov    bool
	WeightDecay float64 // L2 penalty added to the gradient (torch's weight_decay)

	bufs map[*Param][]float32
	job  sgdJob
}

type sgdJob struct {
	data, grad, buf []float32
	lr, wd, mom     float32
	damp            float32
	first, nesterov bool
	fn              func(lo, hi int)
}

// NewSGD returns plain SGD (no momentum, no weight decay) with learning rate lr.
func NewSGD(lr float64) *SGD { return &SGD{Lr: lr} }

// LR returns the learning rate.
func (o *SGD) LR() float64 { return o.Lr }

// SetLR sets the learning rate.
func (o *SGD) SetLR(lr float64) { o.Lr = lr }

// Step applies one SGD update.
func (o *SGD) Step(params []*Param) {
	if o.bufs == nil {
		o.bufs = make(map[*Param][]float32)
	}
	j := &o.job
	if j.fn == nil {
		j.fn = j.chunk
	}
	j.lr, j.mom, j.damp = float32(-o.Lr), float32(o.Momentum), float32(1-o.Dampening)
	j.nesterov = o.Nesterov
	for _, p := range params {
		check("SGD", p)
		j.wd = 0
		if p.Decay {
			j.wd = float32(o.WeightDecay)
		}
		n := len(p.Data)
		j.data, j.grad, j.buf, j.first = p.Data, p.Grad[:n], nil, false
		if o.Momentum != 0 {
			buf, ok := o.bufs[p]
			if !ok {
				buf = make([]float32, n)
				o.bufs[p] = buf
			}
			j.buf, j.first = buf[:n], !ok
		}
		parallel(n, j.fn)
	}
	j.data, j.grad, j.buf = nil, nil, nil
}

func (j *sgdJob) chunk(lo, hi int) {
	data, grad := j.data[lo:hi], j.grad[lo:hi]
	grad = grad[:len(data)]
	lr, wd, mom, damp := j.lr, j.wd, j.mom, j.damp
	if j.buf == nil {
		if wd == 0 {
			for i := sgdVec(data, grad, nil, lr, 0, 0); i < len(data); i++ {
				data[i] = fma32(lr, grad[i], data[i])
			}
			return
		}
		for i, g := range grad {
			data[i] = fma32(lr, fma32(wd, data[i], g), data[i])
		}
		return
	}
	buf := j.buf[lo:hi]
	buf = buf[:len(data)]
	switch {
	case j.first: // torch: buf = clone(d_p)
		for i, g := range grad {
			if wd != 0 {
				g = fma32(wd, data[i], g)
			}
			buf[i] = g
			if j.nesterov {
				g = fma32(mom, g, g)
			}
			data[i] = fma32(lr, g, data[i])
		}
	case j.nesterov:
		for i, g := range grad {
			if wd != 0 {
				g = fma32(wd, data[i], g)
			}
			b := fma32(damp, g, float32(buf[i]*mom))
			buf[i] = b
			data[i] = fma32(lr, fma32(mom, b, g), data[i])
		}
	case wd == 0:
		for i := sgdVec(data, grad, buf, lr, mom, damp); i < len(data); i++ {
			b := fma32(damp, grad[i], float32(buf[i]*mom))
			buf[i] = b
			data[i] = fma32(lr, b, data[i])
		}
	default:
		for i, g := range grad {
			if wd != 0 {
				g = fma32(wd, data[i], g)
			}
			b := fma32(damp, g, float32(buf[i]*mom))
			buf[i] = b
			data[i] = fma32(lr, b, data[i])
		}
	}
}
