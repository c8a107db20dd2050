package optim

import "fmt"

// AdamState is one parameter's Adam or AdamW state: the number of updates
// applied and the first and second moments (VMax only with AMSGrad). It is
// what a training checkpoint must keep for a resumed run to continue
// exactly as an uninterrupted one.
type AdamState struct {
	Step int
	M, V []float32
	VMax []float32 // nil unless AMSGrad
}

// State returns a copy of p's state, and false if p has not been stepped.
func (o *AdamW) State(p *Param) (AdamState, bool) { return getAdamState(o.state, p) }

// SetState replaces p's state with a copy of s. The moments must have
// p's length; it panics otherwise, naming the param.
func (o *AdamW) SetState(p *Param, s AdamState) {
	if o.state == nil {
		o.state = make(map[*Param]*adamState)
	}
	setAdamState(o.state, "AdamW", p, s, o.AMSGrad)
}

// State returns a copy of p's state, and false if p has not been stepped.
func (o *Adam) State(p *Param) (AdamState, bool) { return getAdamState(o.state, p) }

// SetState replaces p's state with a copy of s (see AdamW.SetState).
func (o *Adam) SetState(p *Param, s AdamState) {
	if o.state == nil {
		o.state = make(map[*Param]*adamState)
	}
	setAdamState(o.state, "Adam", p, s, o.AMSGrad)
}

func getAdamState(m map[*Param]*adamState, p *Param) (AdamState, bool) {
	s := m[p]
	if s == nil {
		return AdamState{}, false
	}
	out := AdamState{Step: s.step, M: append([]float32(nil), s.m...), V: append([]float32(nil), s.v...)}
	if s.vmax != nil {
		out.VMax = append([]float32(nil), s.vmax...)
	}
	return out, true
}

func setAdamState(m map[*Param]*adamState, op string, p *Param, s AdamState, amsgrad bool) {
	n := len(p.Data)
	if len(s.M) != n || len(s.V) != n || (amsgrad && len(s.VMax) != n) {
		panic(fmt.Sprintf("optim.%s.SetState: param %q has %d values but state moments have %d/%d/%d", op, p.Name, n, len(s.M), len(s.V), len(s.VMax)))
	}
	st := &adamState{step: s.Step, m: append([]float32(nil), s.M...), v: append([]float32(nil), s.V...)}
	if amsgrad {
		st.vmax = append([]float32(nil), s.VMax...)
	}
	m[p] = st
}
