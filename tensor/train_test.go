package tensor

import (
	"runtime"
	"strings"
	"testing"

	"github.com/golemml/golem/internal/kernels"
)

// mlp is a 784-256-10 classifier on a fixed random batch, trained with a
// hand-written SGD step: the smallest real training loop, used to show
// that the steady state reuses pooled tensor memory.
type mlp struct {
	x              *Tensor
	y              []int
	w1, b1, w2, b2 *Tensor
}

func newMLP(batch int) *mlp {
	rng := NewRNG(1)
	m := &mlp{
		x:  RandN(rng, batch, 784),
		w1: MulScalar(RandN(rng, 784, 256), 0.03).RequiresGrad(),
		b1: Zeros(256).RequiresGrad(),
		w2: MulScalar(RandN(rng, 256, 10), 0.06).RequiresGrad(),
		b2: Zeros(10).RequiresGrad(),
	}
	m.y = make([]int, batch)
	for i := range m.y {
		m.y[i] = rng.IntN(10)
	}
	return m
}

// step runs forward, backward and an SGD update, returning the loss.
func (m *mlp) step(lr float32) float32 {
	h := ReLU(Add(MatMul(m.x, m.w1), m.b1))             // (B,256)
	logp := LogSoftmax(Add(MatMul(h, m.w2), m.b2), -1)  // (B,10)
	loss := Neg(Mean(GatherAlong(logp, 1, m.y), false)) // NLL
	loss.Backward()
	v := loss.Item()
	loss.Release()
	for _, p := range []*Tensor{m.w1, m.b1, m.w2, m.b2} {
		kernels.Axpy(-lr, p.Grad().Data(), p.Data())
		p.ZeroGrad()
	}
	return v
}

// stepBytes returns the bytes allocated so far inside (*mlp).step, in all
// and by stacks that pass through package internal/kernels, from the memory
// profile (which must be recording every allocation).
func stepBytes() (inStep, inKernels uint64) {
	runtime.GC() // the profile is published at the end of a GC cycle
	runtime.GC()
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		n, ok = runtime.MemProfile(recs, true)
		if ok {
			recs = recs[:n]
			break
		}
	}
	for _, r := range recs {
		step, kern := false, false
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			step = step || strings.HasSuffix(f.Function, "tensor.(*mlp).step")
			kern = kern || strings.Contains(f.Function, "/internal/kernels.")
			if !more {
				break
			}
		}
		if step {
			inStep += uint64(r.AllocBytes)
			if kern {
				inKernels += uint64(r.AllocBytes)
			}
		}
	}
	return inStep, inKernels
}

func TestMLPTrainStepDoesNotAllocateTensorMemory(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()

	m := newMLP(128)
	first := m.step(0.1)
	for i := 0; i < 10; i++ { // warm the pool
		m.step(0.1)
	}
	const steps = 20
	var before, after runtime.MemStats
	step0, kern0 := stepBytes()
	runtime.ReadMemStats(&before)
	var last float32
	for i := 0; i < steps; i++ {
		last = m.step(0.1)
	}
	runtime.ReadMemStats(&after)
	step1, kern1 := stepBytes()
	all := (after.TotalAlloc - before.TotalAlloc) / steps
	kern := (kern1 - kern0) / steps
	outside := (step1 - step0 - (kern1 - kern0)) / steps
	// One activation buffer alone, (128, 256) float32, is 128 KiB; the step
	// makes about 1 MiB of activations and gradients. What package tensor
	// allocates per step (graph nodes, views, shapes) must stay far below.
	const limit = 64 << 10
	t.Logf("bytes allocated per step after warm-up: %d by the whole process, %d by the step outside internal/kernels, %d by the step inside internal/kernels (loss %.3f → %.3f)",
		all, outside, kern, first, last)
	if outside > limit {
		t.Errorf("training step allocates %d bytes per step outside the kernels, want < %d: tensor memory is not being reused", outside, limit)
	}
	if !(last < first) {
		t.Errorf("loss did not decrease: %v → %v", first, last)
	}
}

func BenchmarkMLPTrainStep(b *testing.B) {
	m := newMLP(128)
	for i := 0; i < 3; i++ {
		m.step(0.01)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.step(0.01)
	}
}

func BenchmarkAdd(b *testing.B) {
	b.Run("same-1M", func(b *testing.B) {
		x, y := randT(1, 1024, 1024), randT(2, 1024, 1024)
		b.SetBytes(3 * 4 * 1024 * 1024)
		for i := 0; i < b.N; i++ {
			Add(x, y).Release()
		}
	})
	b.Run("bias-4096x256", func(b *testing.B) {
		x, y := randT(1, 4096, 256), randT(2, 256)
		b.SetBytes(2 * 4 * 4096 * 256)
		for i := 0; i < b.N; i++ {
			Add(x, y).Release()
		}
	})
	b.Run("small-64x64", func(b *testing.B) {
		x, y := randT(1, 64, 64), randT(2, 64, 64)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			Add(x, y).Release()
		}
	})
}

func BenchmarkSoftmax(b *testing.B) {
	x := randT(1, 4096, 1024)
	b.SetBytes(2 * 4 * 4096 * 1024)
	for i := 0; i < b.N; i++ {
		Softmax(x, -1).Release()
	}
}

func BenchmarkMatMulBatched(b *testing.B) {
	// Attention-sized: 48 heads of (64,64)·(64,64).
	x, y := randT(1, 48, 64, 64), randT(2, 48, 64, 64)
	b.SetBytes(0)
	for i := 0; i < b.N; i++ {
		MatMul(x, y).Release()
	}
	b.ReportMetric(float64(48*2*64*64*64)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}
