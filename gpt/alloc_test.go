package gpt

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestTrainingStepAllocations checks that a training step (Forward and
// Backward) allocates nothing once the model has seen its batch shape:
// every activation, gradient and scratch buffer is reused. When
// internal/kernels itself allocates per call (its SGEMM did when this was
// written), the test holds the gpt package's own code to zero allocations,
// attributing each allocation to its site through the memory profiler.
func TestTrainingStepAllocations(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // keep kernels' buffer pool warm
	cfg := Config{NLayer: 2, NHead: 2, NEmbd: 48, BlockSize: 80, VocabSize: 50, Dropout: 0.1, Bias: true}
	m := randomModel(cfg, 1)
	m.SetTraining(true)
	rng := rand.New(rand.NewPCG(1, 1))
	B, T := 3, 70
	x, y := randomTokens(rng, B*T, cfg.VocabSize), randomTokens(rng, B*T, cfg.VocabSize)
	step := func() {
		m.ZeroGrad()
		m.Forward(x, B, T, y)
		m.Backward()
	}
	step()
	allocs := testing.AllocsPerRun(5, step)
	if allocs == 0 {
		return
	}
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()
	before := allocSites()
	for i := 0; i < 3; i++ {
		step()
	}
	after := allocSites()
	var kernelAllocs int64
	for site, n := range after {
		n -= before[site]
		if n <= 0 {
			continue
		}
		if strings.Contains(site, "/internal/kernels.") {
			kernelAllocs += n
			continue
		}
		t.Errorf("a training step allocates at %s (%d objects in 3 steps)", site, n)
	}
	t.Logf("%v allocations per step, all %d/3 of them inside internal/kernels", allocs, kernelAllocs)
}

// allocSites returns the objects allocated so far inside the model's
// methods, by site: the innermost golem frame, which is either in package
// gpt or in internal/kernels.
func allocSites() map[string]int64 {
	runtime.GC()
	runtime.GC() // the profile lags up to two cycles
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+100)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	sites := map[string]int64{}
	for _, r := range recs {
		frames := runtime.CallersFrames(r.Stack())
		site, inModel := "", false
		for {
			f, more := frames.Next()
			if site == "" && strings.HasPrefix(f.Function, "github.com/golemml/golem/") {
				site = fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
			}
			if strings.HasPrefix(f.Function, "github.com/golemml/golem/gpt.(*Model).") {
				inModel = true
			}
			if !more {
				break
			}
		}
		if inModel {
			sites[site] += r.AllocObjects
		}
	}
	return sites
}
