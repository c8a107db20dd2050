package optim

// RMSProp is torch.optim.RMSprop:
//
//	g = grad + WeightDecay·p
//	sq = α·sq + (1-α)·g²
//	avg = √(sq - ga²) with ga = α·ga + (1-α)·g (Centered), else √sq; avg += Eps
//	b = Momentum·b + g/avg; p -= lr·b   (Momentum > 0)
//	p -= lr·g/avg                        (otherwise)
//
// Alpha defaults to PyTorch's 0.99; Keras's RMSprop calls it rho and
// defaults to 0.9 (and epsilon 1e-7, inside the square root's sum). PyTorch's
// default learning rate is 1e-2, Keras's 1e-3.
type RMSProp struct {
	Lr          float64
	Alpha       float64
	Eps         float64
	WeightDecay float64
	Momentum    float64
	Centered    bool

	state map[*Param]*rmsState
	job   rmsJob
}

type rmsState struct {
	sq, gavg, buf []float32
}

type rmsJob struct {
	data, grad, sq, gavg, buf []float32
	lr, al, a1, e, mom, w     float32
	fn                        func(lo, hi int)
}

// NewRMSProp returns RMSProp with PyTorch's defaults (Alpha 0.99, Eps 1e-8,
// no momentum, not centered) and learning rate lr.
func NewRMSProp(lr float64) *RMSProp { return &RMSProp{Lr: lr, Alpha: 0.99, Eps: 1e-8} }

// LR returns the learning rate.
func (o *RMSProp) LR() float64 { return o.Lr }

// SetLR sets the learning rate.
func (o *RMSProp) SetLR(lr float64) { o.Lr = lr }

// Step applies one RMSProp update.
func (o *RMSProp) Step(params []*Param) {
	if o.state == nil {
		o.state = make(map[*Param]*rmsState)
	}
	j := &o.job
	if j.fn == nil {
		j.fn = j.chunk
	}
	j.lr, j.al, j.a1 = float32(-o.Lr), float32(o.Alpha), float32(1-o.Alpha)
	j.e, j.mom = float32(o.Eps), float32(o.Momentum)
	for _, p := range params {
		check("RMSProp", p)
		n := len(p.Data)
		s := o.state[p]
		if s == nil {
			s = &rmsState{sq: make([]float32, n)}
			o.state[p] = s
		}
		if o.Centered && len(s.gavg) != n {
			s.gavg = make([]float32, n)
		}
		if o.Momentum > 0 && len(s.buf) != n {
			s.buf = make([]float32, n)
		}
		j.w = 0
		if p.Decay {
			j.w = float32(o.WeightDecay)
		}
		j.data, j.grad, j.sq, j.gavg, j.buf = p.Data, p.Grad[:n], s.sq[:n], nil, nil
		if o.Centered {
			j.gavg = s.gavg
		}
		if o.Momentum > 0 {
			j.buf = s.buf
		}
		parallel(n, j.fn)
	}
	j.data, j.grad, j.sq, j.gavg, j.buf = nil, nil, nil, nil, nil
}

func (j *rmsJob) chunk(lo, hi int) {
	data, grad, sq := j.data[lo:hi], j.grad[lo:hi], j.sq[lo:hi]
	grad, sq = grad[:len(data)], sq[:len(data)]
	var gavg, buf []float32
	if j.gavg != nil {
		gavg = j.gavg[lo:hi]
		gavg = gavg[:len(data)]
	}
	if j.buf != nil {
		buf = j.buf[lo:hi]
		buf = buf[:len(data)]
	}
	lr, al, a1, e, mom, w := j.lr, j.al, j.a1, j.e, j.mom, j.w
	start := 0
	if w == 0 && gavg == nil {
		start = rmspropVec(data, grad, sq, buf, lr, al, a1, e, mom)
	}
	for i := start; i < len(data); i++ {
		g := grad[i]
		if w != 0 {
			g = fma32(w, data[i], g)
		}
		sqi := fma32(float32(a1*g), g, float32(sq[i]*al))
		sq[i] = sqi
		var avg float32
		if gavg != nil {
			ga := fma32(a1, g, float32(gavg[i]*al))
			gavg[i] = ga
			avg = sqrt32(fma32(-ga, ga, sqi))
		} else {
			avg = sqrt32(sqi)
		}
		avg += e
		if buf != nil {
			b := float32(buf[i]*mom) + g/avg
			buf[i] = b
			data[i] = fma32(lr, b, data[i])
		} else {
			data[i] += float32(lr*g) / avg
		}
	}
}

// Adagrad is torch.optim.Adagrad:
//
//	g = grad + WeightDecay·p
//	sum += g²
//	p -= lr/(1+(t-1)·LRDecay) · g / (√sum + Eps)
//
// Defaults are PyTorch's: Eps 1e-10, InitialAccumulator 0. Keras's Adagrad
// starts its accumulator at 0.1 and uses epsilon 1e-7.
type Adagrad struct {
	Lr                 float64
	LRDecay            float64
	WeightDecay        float64
	InitialAccumulator float64
	Eps                float64

	state map[*Param]*adagradState
	job   adagradJob
}

type adagradState struct {
	step int
	sum  []float32
}

type adagradJob struct {
	data, grad, sum []float32
	clr, w, e       float32
	fn              func(lo, hi int)
}

// NewAdagrad returns Adagrad with PyTorch's defaults and learning rate lr
// (PyTorch's default is 1e-2).
func NewAdagrad(lr float64) *Adagrad { return &Adagrad{Lr: lr, Eps: 1e-10} }

// LR returns the learning rate.
func (o *Adagrad) LR() float64 { return o.Lr }

// SetLR sets the learning rate.
func (o *Adagrad) SetLR(lr float64) { o.Lr = lr }

// Step applies one Adagrad update.
func (o *Adagrad) Step(params []*Param) {
	if o.state == nil {
		o.state = make(map[*Param]*adagradState)
	}
	j := &o.job
	if j.fn == nil {
		j.fn = j.chunk
	}
	j.e = float32(o.Eps)
	for _, p := range params {
		check("Adagrad", p)
		n := len(p.Data)
		s := o.state[p]
		if s == nil {
			s = &adagradState{sum: make([]float32, n)}
			if o.InitialAccumulator != 0 {
				init := float32(o.InitialAccumulator)
				for i := range s.sum {
					s.sum[i] = init
				}
			}
			o.state[p] = s
		}
		s.step++
		j.clr = float32(-(o.Lr / (1 + float64(s.step-1)*o.LRDecay)))
		j.w = 0
		if p.Decay {
			j.w = float32(o.WeightDecay)
		}
		j.data, j.grad, j.sum = p.Data, p.Grad[:n], s.sum[:n]
		parallel(n, j.fn)
	}
	j.data, j.grad, j.sum = nil, nil, nil
}

func (j *adagradJob) chunk(lo, hi int) {
	data, grad, sum := j.data[lo:hi], j.grad[lo:hi], j.sum[lo:hi]
	grad, sum = grad[:len(data)], sum[:len(data)]
	clr, w, e := j.clr, j.w, j.e
	start := 0
	if w == 0 {
		start = adagradVec(data, grad, sum, clr, e)
	}
	for i := start; i < len(data); i++ {
		g := grad[i]
		if w != 0 {
			g = fma32(w, data[i], g)
		}
		si := fma32(g, g, sum[i])
		sum[i] = si
		data[i] += float32(clr*g) / (sqrt32(si) + e)
	}
}
