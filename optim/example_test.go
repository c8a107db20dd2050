package optim_test

import (
	"fmt"

	"github.com/golemml/golem/optim"
)

// Minimize f(w) = (w0-3)² + (w1+1)² with AdamW and a warmup-cosine schedule.
func Example() {
	w := &optim.Param{Name: "w", Data: []float32{0, 0}, Grad: make([]float32, 2)}
	params := []*optim.Param{w}
	opt := optim.NewAdamW(0.1)
	opt.WeightDecay = 0 // w has Decay false anyway
	sched := optim.CosineWithWarmup{Max: 0.1, Min: 0.001, Warmup: 10, Total: 500}
	for step := 0; step < 500; step++ {
		optim.ZeroGrad(params)
		w.Grad[0] = 2 * (w.Data[0] - 3)
		w.Grad[1] = 2 * (w.Data[1] + 1)
		optim.ClipGradNorm(params, 1.0)
		opt.SetLR(sched.LR(step))
		opt.Step(params)
	}
	fmt.Printf("w = [%.2f %.2f]\n", w.Data[0], w.Data[1])
	// Output:
	// w = [3.00 -1.00]
}
