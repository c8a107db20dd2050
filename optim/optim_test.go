package optim

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golemml/golem/internal/kernels"
)

// relTol is the tolerance against torch: |got-want| <= relTol·|want| + absTol.
const (
	relTol = 1e-6
	absTol = 1e-8
)

type pair struct{ W, B []float32 }

type torchFixtures struct {
	Init       pair
	Grads      []pair
	Optimizers []struct {
		Name, Kind string
		Hparams    map[string]any
		Steps      []pair
	}
	Clip []struct {
		MaxNorm float64 `json:"max_norm"`
		In      pair
		Total   float64
		Out     pair
	}
	StepLR struct {
		Initial  float64
		StepSize int `json:"step_size"`
		Gamma    float64
		LRs      []float64
	}
}

func loadTorch(t *testing.T) *torchFixtures {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "torch_fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f torchFixtures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Optimizers) == 0 || len(f.Grads) == 0 {
		t.Fatal("empty fixture")
	}
	return &f
}

func hp(h map[string]any, key string, def float64) float64 {
	if v, ok := h[key]; ok {
		switch v := v.(type) {
		case float64:
			return v
		case bool:
			if v {
				return 1
			}
			return 0
		}
	}
	return def
}

// build makes the golem optimizer for a fixture case from its hyper-parameters.
func build(t *testing.T, kind string, h map[string]any) Optimizer {
	lr := hp(h, "lr", 0)
	switch kind {
	case "SGD":
		o := NewSGD(lr)
		o.Momentum, o.Dampening, o.WeightDecay = hp(h, "momentum", 0), hp(h, "dampening", 0), hp(h, "weight_decay", 0)
		o.Nesterov = hp(h, "nesterov", 0) == 1
		return o
	case "Adam", "AdamW":
		b1, b2 := 0.9, 0.999
		if v, ok := h["betas"].([]any); ok {
			b1, b2 = v[0].(float64), v[1].(float64)
		}
		if kind == "Adam" {
			o := NewAdam(lr)
			o.Beta1, o.Beta2, o.Eps, o.WeightDecay = b1, b2, hp(h, "eps", 1e-8), hp(h, "weight_decay", 0)
			o.AMSGrad = hp(h, "amsgrad", 0) == 1
			return o
		}
		o := NewAdamW(lr)
		o.Beta1, o.Beta2, o.Eps, o.WeightDecay = b1, b2, hp(h, "eps", 1e-8), hp(h, "weight_decay", 0.01)
		o.AMSGrad = hp(h, "amsgrad", 0) == 1
		return o
	case "RMSprop":
		o := NewRMSProp(lr)
		o.Alpha, o.Eps = hp(h, "alpha", 0.99), hp(h, "eps", 1e-8)
		o.Momentum, o.WeightDecay = hp(h, "momentum", 0), hp(h, "weight_decay", 0)
		o.Centered = hp(h, "centered", 0) == 1
		return o
	case "Adagrad":
		o := NewAdagrad(lr)
		o.LRDecay, o.WeightDecay = hp(h, "lr_decay", 0), hp(h, "weight_decay", 0)
		o.InitialAccumulator, o.Eps = hp(h, "initial_accumulator_value", 0), hp(h, "eps", 1e-10)
		return o
	}
	t.Fatalf("unknown optimizer kind %q", kind)
	return nil
}

func closeTo(got, want float32) bool {
	return math.Abs(float64(got)-float64(want)) <= relTol*math.Abs(float64(want))+absTol
}

func TestMatchesTorch(t *testing.T) {
	f := loadTorch(t)
	for _, c := range f.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			opt := build(t, c.Kind, c.Hparams)
			w := &Param{Name: "w", Data: append([]float32(nil), f.Init.W...), Grad: make([]float32, len(f.Init.W)), Decay: true}
			b := &Param{Name: "b", Data: append([]float32(nil), f.Init.B...), Grad: make([]float32, len(f.Init.B))}
			params := []*Param{w, b}
			var worst float64
			defer func() { t.Logf("largest relative difference from torch over %d steps: %.2g", len(c.Steps), worst) }()
			for s, want := range c.Steps {
				copy(w.Grad, f.Grads[s].W)
				copy(b.Grad, f.Grads[s].B)
				opt.Step(params)
				for _, pw := range []struct {
					p    *Param
					want []float32
				}{{w, want.W}, {b, want.B}} {
					for i, v := range pw.p.Data {
						if pw.want[i] != 0 {
							worst = max(worst, math.Abs(float64(v-pw.want[i]))/math.Abs(float64(pw.want[i])))
						}
						if !closeTo(v, pw.want[i]) {
							t.Fatalf("step %d: %s[%d] = %.9g, torch %.9g (rel err %.2g)", s+1, pw.p.Name, i, v, pw.want[i],
								math.Abs(float64(v-pw.want[i]))/math.Abs(float64(pw.want[i])))
						}
					}
				}
			}
		})
	}
}

func TestClipGradNormMatchesTorch(t *testing.T) {
	for _, c := range loadTorch(t).Clip {
		w := &Param{Name: "w", Data: make([]float32, len(c.In.W)), Grad: append([]float32(nil), c.In.W...)}
		b := &Param{Name: "b", Data: make([]float32, len(c.In.B)), Grad: append([]float32(nil), c.In.B...)}
		total := ClipGradNorm([]*Param{w, b}, c.MaxNorm)
		if math.Abs(total-c.Total) > 1e-6*c.Total {
			t.Errorf("max %g: total %.9g, torch %.9g", c.MaxNorm, total, c.Total)
		}
		if g := GradNorm([]*Param{w, b}); c.MaxNorm < c.Total && math.Abs(g-c.MaxNorm) > 1e-5*c.MaxNorm {
			t.Errorf("max %g: norm after clipping %g", c.MaxNorm, g)
		}
		for i := range w.Grad {
			if !closeTo(w.Grad[i], c.Out.W[i]) {
				t.Errorf("max %g: w.grad[%d] = %g, torch %g", c.MaxNorm, i, w.Grad[i], c.Out.W[i])
			}
		}
		for i := range b.Grad {
			if !closeTo(b.Grad[i], c.Out.B[i]) {
				t.Errorf("max %g: b.grad[%d] = %g, torch %g", c.MaxNorm, i, b.Grad[i], c.Out.B[i])
			}
		}
	}
}

func TestClipGradNormNonFinite(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		p := &Param{Name: "g", Data: make([]float32, 3), Grad: []float32{3, bad, 4}}
		total := ClipGradNorm([]*Param{p}, 1)
		if !math.IsNaN(total) && !math.IsInf(total, 0) {
			t.Errorf("total %g for a %g gradient", total, bad)
		}
		if p.Grad[0] != 3 || p.Grad[2] != 4 {
			t.Errorf("gradients scaled despite a non-finite norm: %v", p.Grad)
		}
	}
}

func TestSchedules(t *testing.T) {
	f := loadTorch(t)
	sd := StepDecay{Initial: f.StepLR.Initial, StepSize: f.StepLR.StepSize, Gamma: f.StepLR.Gamma}
	for i, want := range f.StepLR.LRs {
		if got := sd.LR(i); math.Abs(got-want) > 1e-12 {
			t.Errorf("StepDecay.LR(%d) = %g, torch StepLR %g", i, got, want)
		}
	}
	if got := Constant(3e-4).LR(1000); got != 3e-4 {
		t.Errorf("Constant = %g", got)
	}
	// Keras ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5).
	ed := ExponentialDecay{Initial: 0.1, DecaySteps: 10, Rate: 0.5}
	for step, want := range map[int]float64{0: 0.1, 5: 0.1 * math.Sqrt(0.5), 10: 0.05, 25: 0.1 * math.Pow(0.5, 2.5)} {
		if got := ed.LR(step); math.Abs(got-want) > 1e-15 {
			t.Errorf("ExponentialDecay.LR(%d) = %g, want %g", step, got, want)
		}
	}
	ed.Staircase = true
	for step, want := range map[int]float64{0: 0.1, 9: 0.1, 10: 0.05, 25: 0.025} {
		if got := ed.LR(step); math.Abs(got-want) > 1e-15 {
			t.Errorf("staircase ExponentialDecay.LR(%d) = %g, want %g", step, got, want)
		}
	}
	// nanoGPT: learning_rate=6e-4, min_lr=6e-5, warmup_iters=2000, lr_decay_iters=600000.
	cw := CosineWithWarmup{Max: 6e-4, Min: 6e-5, Warmup: 2000, Total: 600000}
	cases := map[int]float64{
		0:       6e-4 * 1 / 2001,
		1999:    6e-4 * 2000 / 2001,
		2000:    6e-4,
		301000:  6e-5 + 0.5*(6e-4-6e-5),
		600000:  6e-5,
		600001:  6e-5,
		1000000: 6e-5,
	}
	for step, want := range cases {
		if got := cw.LR(step); math.Abs(got-want) > 1e-15 {
			t.Errorf("CosineWithWarmup.LR(%d) = %.12g, want %.12g", step, got, want)
		}
	}
	// Monotone decay after warmup.
	prev := math.Inf(1)
	for s := 2000; s <= 600000; s += 997 {
		lr := cw.LR(s)
		if lr > prev {
			t.Fatalf("CosineWithWarmup rises at %d", s)
		}
		prev = lr
	}
}

func TestZeroGradAndMismatch(t *testing.T) {
	p := &Param{Name: "x", Data: []float32{1, 2}, Grad: []float32{3, 4}}
	ZeroGrad([]*Param{p})
	if p.Grad[0] != 0 || p.Grad[1] != 0 {
		t.Errorf("ZeroGrad left %v", p.Grad)
	}
	bad := &Param{Name: "bad", Data: []float32{1, 2}, Grad: []float32{1}}
	for _, opt := range []Optimizer{NewSGD(0.1), NewAdam(0.1), NewAdamW(0.1), NewRMSProp(0.1), NewAdagrad(0.1)} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), `"bad"`) {
					t.Errorf("%T: panic %v, want one naming the param", opt, r)
				}
			}()
			opt.Step([]*Param{bad})
		}()
	}
}

// TestConverges checks every optimizer minimizes a quadratic
// f(x) = Σ (x_i - i)² from zero (behaviour, beyond the torch parity).
func TestConverges(t *testing.T) {
	mk := map[string]func() Optimizer{
		"SGD":      func() Optimizer { o := NewSGD(0.05); o.Momentum = 0.9; return o },
		"Adam":     func() Optimizer { return NewAdam(0.1) },
		"AdamW":    func() Optimizer { o := NewAdamW(0.1); o.WeightDecay = 0; return o },
		"RMSProp":  func() Optimizer { o := NewRMSProp(0.01); o.Centered = true; return o },
		"Adagrad":  func() Optimizer { return NewAdagrad(0.5) },
		"Nesterov": func() Optimizer { o := NewSGD(0.05); o.Momentum = 0.9; o.Nesterov = true; return o },
	}
	for name, f := range mk {
		opt := f()
		p := &Param{Name: "x", Data: make([]float32, 5), Grad: make([]float32, 5)}
		for it := 0; it < 2000; it++ {
			for i, v := range p.Data {
				p.Grad[i] = 2 * (v - float32(i))
			}
			opt.Step([]*Param{p})
		}
		for i, v := range p.Data {
			if math.Abs(float64(v)-float64(i)) > 1e-2 {
				t.Errorf("%s: x[%d] = %g, want %d", name, i, v, i)
			}
		}
	}
}

func TestLRAccessors(t *testing.T) {
	for _, opt := range []Optimizer{NewSGD(0.1), NewAdam(0.1), NewAdamW(0.1), NewRMSProp(0.1), NewAdagrad(0.1)} {
		if opt.LR() != 0.1 {
			t.Errorf("%T: LR %g", opt, opt.LR())
		}
		opt.SetLR(0.25)
		if opt.LR() != 0.25 {
			t.Errorf("%T: SetLR then LR %g", opt, opt.LR())
		}
	}
	// Decoupled decay of AdamW uses the current lr and skips params without Decay.
	o := NewAdamW(0.5)
	o.WeightDecay = 0.1
	d := &Param{Data: []float32{2}, Grad: []float32{0}, Decay: true}
	n := &Param{Data: []float32{2}, Grad: []float32{0}}
	o.Step([]*Param{d, n})
	if d.Data[0] != 2*(1-0.05) || n.Data[0] != 2 {
		t.Errorf("AdamW decay: decayed %g (want 1.9), undecayed %g (want 2)", d.Data[0], n.Data[0])
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	const n = 1000
	params := []*Param{
		{Name: "w", Data: make([]float32, n), Grad: make([]float32, n), Decay: true},
		{Name: "b", Data: make([]float32, 10), Grad: make([]float32, 10)},
	}
	for _, p := range params {
		for i := range p.Grad {
			p.Grad[i] = float32(i%7) - 3
		}
	}
	sgd := NewSGD(0.1)
	sgd.Momentum, sgd.WeightDecay = 0.9, 0.01
	rms := NewRMSProp(0.01)
	rms.Centered, rms.Momentum = true, 0.5
	ams := NewAdam(0.01)
	ams.AMSGrad = true
	for _, opt := range []Optimizer{sgd, NewAdam(0.01), ams, NewAdamW(0.01), rms, NewAdagrad(0.01)} {
		opt.Step(params) // state is allocated on the first step
		if a := testing.AllocsPerRun(20, func() { opt.Step(params); ClipGradNorm(params, 1) }); a != 0 {
			t.Errorf("%T: %v allocations per step", opt, a)
		}
	}
}

func BenchmarkAdamW(b *testing.B) {
	const n = 1 << 20
	p := &Param{Name: "w", Data: make([]float32, n), Grad: make([]float32, n), Decay: true}
	for i := range p.Grad {
		p.Grad[i] = float32(i%13) * 0.01
	}
	opt := NewAdamW(1e-3)
	params := []*Param{p}
	b.SetBytes(4 * n * 4) // data, grad, m, v
	for b.Loop() {
		opt.Step(params)
	}
}

// TestParallelMatchesSerial steps one large param (split across the worker
// pool) and the same values as small params (run inline): every update is
// element-wise, so the results must be identical.
func TestParallelMatchesSerial(t *testing.T) {
	const n = 3*parallelMin + 17
	mk := map[string]func() Optimizer{
		"SGD":     func() Optimizer { o := NewSGD(0.1); o.Momentum, o.Nesterov, o.WeightDecay = 0.9, true, 0.01; return o },
		"Adam":    func() Optimizer { o := NewAdam(0.01); o.WeightDecay = 0.1; return o },
		"AMSGrad": func() Optimizer { o := NewAdam(0.01); o.AMSGrad = true; return o },
		"AdamW":   func() Optimizer { return NewAdamW(0.01) },
		"RMSProp": func() Optimizer {
			o := NewRMSProp(0.01)
			o.Centered, o.Momentum, o.WeightDecay = true, 0.9, 0.1
			return o
		},
		"Adagrad": func() Optimizer { o := NewAdagrad(0.1); o.WeightDecay = 0.1; return o },
	}
	for name, f := range mk {
		big := &Param{Name: "big", Data: make([]float32, n), Grad: make([]float32, n), Decay: true}
		for i := range big.Data {
			big.Data[i] = float32(i%101)/50 - 1
		}
		var small []*Param
		for lo := 0; lo < n; lo += parallelMin / 2 {
			hi := min(n, lo+parallelMin/2)
			small = append(small, &Param{Data: append([]float32(nil), big.Data[lo:hi]...), Grad: make([]float32, hi-lo), Decay: true})
		}
		o1, o2 := f(), f()
		for step := 0; step < 3; step++ {
			for i := range big.Grad {
				big.Grad[i] = float32((i*7+step*13)%29)/10 - 1.4
			}
			for k, p := range small {
				copy(p.Grad, big.Grad[k*parallelMin/2:])
			}
			o1.Step([]*Param{big})
			o2.Step(small)
		}
		for k, p := range small {
			for i, v := range p.Data {
				if w := big.Data[k*parallelMin/2+i]; w != v {
					t.Fatalf("%s: element %d: parallel %g, serial %g", name, k*parallelMin/2+i, w, v)
				}
			}
		}
	}
}

// TestLargeStepAllocs: a param big enough to be split across the worker
// pool costs what one kernels.ParallelFor hand-off costs, nothing more.
func TestLargeStepAllocs(t *testing.T) {
	defer kernels.SetThreads(0)
	kernels.SetThreads(2)
	body := func(lo, hi int) {}
	pool := testing.AllocsPerRun(10, func() { kernels.ParallelFor(4*parallelMin, body) })
	p := []*Param{{Name: "w", Data: make([]float32, 4*parallelMin), Grad: make([]float32, 4*parallelMin), Decay: true}}
	sgd := NewSGD(0.1)
	sgd.Momentum = 0.9
	for _, opt := range []Optimizer{NewAdamW(1e-3), NewAdam(1e-3), sgd, NewRMSProp(1e-3), NewAdagrad(1e-3)} {
		opt.Step(p)
		if a := testing.AllocsPerRun(10, func() { opt.Step(p) }); a > pool {
			t.Errorf("%T: %v allocations per step of one %d-value param; the pool's hand-off alone makes %v", opt, a, len(p[0].Data), pool)
		}
	}
}

func TestByName(t *testing.T) {
	for name, want := range map[string]float64{"sgd": 0.01, "Adam": 0.001, "adamw": 0.001, "rmsprop": 0.001, "adagrad": 0.001} {
		o, err := ByName(name)
		if err != nil || o.LR() != want {
			t.Errorf("ByName(%q) = %T lr %v, %v", name, o, o, err)
		}
	}
	if _, err := ByName("lamb"); err == nil || !strings.Contains(err.Error(), `"lamb"`) {
		t.Errorf("ByName(lamb) err = %v", err)
	}
}

func BenchmarkSGDMomentum(b *testing.B) {
	const n = 1 << 20
	p := &Param{Name: "w", Data: make([]float32, n), Grad: make([]float32, n), Decay: true}
	for i := range p.Grad {
		p.Grad[i] = float32(i%13) * 0.01
	}
	opt := NewSGD(1e-2)
	opt.Momentum = 0.9
	params := []*Param{p}
	b.SetBytes(3 * n * 4) // data, grad, buf
	for b.Loop() {
		opt.Step(params)
	}
}

// TestKerasSchedules checks the Keras schedules against values worked out
// from Keras's formulas by hand.
func TestKerasSchedules(t *testing.T) {
	cases := []struct {
		name string
		s    Schedule
		want map[int]float64
	}{
		{"CosineDecay", CosineDecay{Initial: 0.1, DecaySteps: 100, Alpha: 0.1},
			map[int]float64{0: 0.1, 50: 0.1 * (0.9*0.5 + 0.1), 100: 0.01, 1000: 0.01}},
		{"PolynomialDecay", PolynomialDecay{Initial: 0.1, DecaySteps: 10, End: 0.01, Power: 1},
			map[int]float64{0: 0.1, 5: 0.055, 10: 0.01, 20: 0.01}},
		{"PolynomialDecay power 2", PolynomialDecay{Initial: 1, DecaySteps: 10, End: 0, Power: 2},
			map[int]float64{0: 1, 5: 0.25, 9: 0.01 * 1}},
		{"PolynomialDecay cycle", PolynomialDecay{Initial: 0.1, DecaySteps: 10, End: 0.01, Power: 1, Cycle: true},
			// step 15: decay steps 20, (0.09)(1-0.75)+0.01
			map[int]float64{0: 0.1, 10: 0.01, 15: 0.09*0.25 + 0.01, 20: 0.01}},
		{"InverseTimeDecay", InverseTimeDecay{Initial: 0.1, DecaySteps: 10, Rate: 0.5},
			map[int]float64{0: 0.1, 5: 0.1 / 1.25, 10: 0.1 / 1.5}},
		{"InverseTimeDecay staircase", InverseTimeDecay{Initial: 0.1, DecaySteps: 10, Rate: 0.5, Staircase: true},
			map[int]float64{5: 0.1, 19: 0.1 / 1.5, 20: 0.05}},
		{"PiecewiseConstant", PiecewiseConstant{Boundaries: []int{100, 200}, Values: []float64{1, 0.5, 0.1}},
			map[int]float64{0: 1, 100: 1, 101: 0.5, 200: 0.5, 201: 0.1, 5000: 0.1}},
	}
	for _, c := range cases {
		for step, want := range c.want {
			if got := c.s.LR(step); math.Abs(got-want) > 1e-12 {
				t.Errorf("%s.LR(%d) = %.15g, want %.15g", c.name, step, got, want)
			}
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "2 values for 2 boundaries") {
			t.Errorf("PiecewiseConstant misuse: panic %v", r)
		}
	}()
	PiecewiseConstant{Boundaries: []int{1, 2}, Values: []float64{1, 2}}.LR(0)
}
