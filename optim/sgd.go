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
	lr := float32(-o.Lr)
	mom := float32(o.Momentum)
	damp := float32(1 - o.Dampening)
	for _, p := range params {
		check("SGD", p)
		wd := float32(0)
		if p.Decay {
			wd = float32(o.WeightDecay)
		}
		data, grad := p.Data, p.Grad[:len(p.Data)]
		if o.Momentum == 0 {
			for i, g := range grad {
				if wd != 0 {
					g = fma32(wd, data[i], g)
				}
				data[i] = fma32(lr, g, data[i])
			}
			continue
		}
		buf, ok := o.bufs[p]
		first := !ok
		if first {
			buf = make([]float32, len(data))
			o.bufs[p] = buf
		}
		buf = buf[:len(data)]
		for i, g := range grad {
			if wd != 0 {
				g = fma32(wd, data[i], g)
			}
			var b float32
			if first {
				b = g
			} else {
				b = fma32(damp, g, float32(buf[i]*mom))
			}
			buf[i] = b
			if o.Nesterov {
				g = fma32(mom, b, g)
			} else {
				g = b
			}
			data[i] = fma32(lr, g, data[i])
		}
	}
}
