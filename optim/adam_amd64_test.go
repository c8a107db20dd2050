//go:build !purego

package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamAVX2MatchesGo runs Adam and AdamW with the AVX2 loop and with the
// pure-Go loop on the same values. The vector loop uses true float32
// fused multiply-adds, the Go loop rounds through float64, so they may
// differ by an ulp in rare halfway cases; anything more is a bug.
func TestAdamAVX2MatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("CPU without AVX2 and FMA")
	}
	const n = 1003 // a tail after the vector loop
	r := rand.New(rand.NewPCG(3, 4))
	for _, mk := range []func() Optimizer{
		func() Optimizer { return NewAdam(0.01) },
		func() Optimizer { o := NewAdamW(0.01); o.WeightDecay = 0.1; return o },
	} {
		init := make([]float32, n)
		for i := range init {
			init[i] = float32(r.NormFloat64())
		}
		pv := &Param{Name: "v", Data: append([]float32(nil), init...), Grad: make([]float32, n), Decay: true}
		pg := &Param{Name: "g", Data: append([]float32(nil), init...), Grad: make([]float32, n), Decay: true}
		ov, og := mk(), mk()
		for step := 0; step < 5; step++ {
			for i := range pv.Grad {
				g := float32(r.NormFloat64() * math.Pow(10, float64(step%3-1)))
				pv.Grad[i], pg.Grad[i] = g, g
			}
			ov.Step([]*Param{pv})
			useAVX2 = false
			og.Step([]*Param{pg})
			useAVX2 = true
		}
		diff := 0
		for i := range pv.Data {
			a, b := pv.Data[i], pg.Data[i]
			if a != b {
				diff++
				if math.Abs(float64(a-b)) > 4e-7*math.Abs(float64(b)) {
					t.Fatalf("%T: value %d: AVX2 %.9g, Go %.9g", ov, i, a, b)
				}
			}
		}
		t.Logf("%T: %d of %d values differ by an ulp or so", ov, diff, n)
	}
}

func TestSGDAVX2MatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("CPU without AVX2 and FMA")
	}
	const n = 1005
	r := rand.New(rand.NewPCG(5, 6))
	for _, mk := range []func() Optimizer{
		func() Optimizer { return NewSGD(0.1) },
		func() Optimizer { o := NewSGD(0.1); o.Momentum, o.Dampening = 0.9, 0.1; return o },
	} {
		init := make([]float32, n)
		for i := range init {
			init[i] = float32(r.NormFloat64())
		}
		pv := &Param{Name: "v", Data: append([]float32(nil), init...), Grad: make([]float32, n)}
		pg := &Param{Name: "g", Data: append([]float32(nil), init...), Grad: make([]float32, n)}
		ov, og := mk(), mk()
		for step := 0; step < 5; step++ {
			for i := range pv.Grad {
				g := float32(r.NormFloat64())
				pv.Grad[i], pg.Grad[i] = g, g
			}
			ov.Step([]*Param{pv})
			useAVX2 = false
			og.Step([]*Param{pg})
			useAVX2 = true
		}
		for i := range pv.Data {
			if a, b := pv.Data[i], pg.Data[i]; a != b && math.Abs(float64(a-b)) > 4e-7*math.Abs(float64(b)) {
				t.Fatalf("value %d: AVX2 %.9g, Go %.9g", i, a, b)
			}
		}
	}
}

func TestRMSPropAdagradAVX2MatchGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("CPU without AVX2 and FMA")
	}
	const n = 1007
	r := rand.New(rand.NewPCG(7, 8))
	for name, mk := range map[string]func() Optimizer{
		"rmsprop":          func() Optimizer { return NewRMSProp(0.01) },
		"rmsprop momentum": func() Optimizer { o := NewRMSProp(0.01); o.Momentum = 0.9; return o },
		"adagrad":          func() Optimizer { o := NewAdagrad(0.1); o.LRDecay, o.InitialAccumulator = 0.01, 0.1; return o },
	} {
		init := make([]float32, n)
		for i := range init {
			init[i] = float32(r.NormFloat64())
		}
		pv := &Param{Name: "v", Data: append([]float32(nil), init...), Grad: make([]float32, n)}
		pg := &Param{Name: "g", Data: append([]float32(nil), init...), Grad: make([]float32, n)}
		ov, og := mk(), mk()
		for step := 0; step < 5; step++ {
			for i := range pv.Grad {
				g := float32(r.NormFloat64() * math.Pow(10, float64(step%3-1)))
				pv.Grad[i], pg.Grad[i] = g, g
			}
			ov.Step([]*Param{pv})
			useAVX2 = false
			og.Step([]*Param{pg})
			useAVX2 = true
		}
		for i := range pv.Data {
			if a, b := pv.Data[i], pg.Data[i]; a != b && math.Abs(float64(a-b)) > 4e-7*math.Abs(float64(b)) {
				t.Fatalf("%s: value %d: AVX2 %.9g, Go %.9g", name, i, a, b)
			}
		}
	}
}
