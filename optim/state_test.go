package optim

import "testing"

// TestAdamWStateRoundTrip checks that copying the state into a fresh
// optimizer continues the run bit for bit.
func TestAdamWStateRoundTrip(t *testing.T) {
	mk := func() *Param {
		return &Param{Name: "w", Data: []float32{0.5, -1, 2}, Grad: make([]float32, 3), Decay: true}
	}
	grads := [][]float32{{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.1}, {0.2, 0.2, -0.7}, {1, -1, 0.5}}
	a, pa := NewAdamW(1e-2), mk()
	for _, g := range grads {
		copy(pa.Grad, g)
		a.Step([]*Param{pa})
	}
	b, pb := NewAdamW(1e-2), mk()
	for _, g := range grads[:2] {
		copy(pb.Grad, g)
		b.Step([]*Param{pb})
	}
	s, ok := b.State(pb)
	if !ok || s.Step != 2 {
		t.Fatalf("State = %+v, %v; want step 2", s, ok)
	}
	if _, ok := b.State(mk()); ok {
		t.Fatal("State of an unseen param reported ok")
	}
	c, pc := NewAdamW(1e-2), &Param{Name: "w", Data: append([]float32(nil), pb.Data...), Grad: make([]float32, 3), Decay: true}
	c.SetState(pc, s)
	s.M[0] = 99 // SetState must have copied
	for _, g := range grads[2:] {
		copy(pc.Grad, g)
		c.Step([]*Param{pc})
	}
	for i := range pa.Data {
		if pa.Data[i] != pc.Data[i] {
			t.Fatalf("resumed run differs at %d: %v vs %v", i, pa.Data, pc.Data)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("SetState with wrong length did not panic")
		}
	}()
	c.SetState(pc, AdamState{Step: 1, M: make([]float32, 2), V: make([]float32, 2)})
}
