package gpt

import (
	"math/rand/v2"
	"testing"

	"github.com/golemml/golem/optim"
)

func benchTrain(b *testing.B, name string, B int) {
	cfg, _ := NamedConfig(name)
	cfg.VocabSize = 65
	m := New(cfg, 0)
	rng := rand.New(rand.NewPCG(0, 0))
	T := cfg.BlockSize
	x, y := randomTokens(rng, B*T, 65), randomTokens(rng, B*T, 65)
	opt := optim.NewAdamW(1e-3)
	step := func() {
		m.ZeroGrad()
		m.Forward(x, B, T, y)
		m.Backward()
		opt.Step(m.Params())
	}
	step()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkTrainBaby(b *testing.B)  { benchTrain(b, "baby", 12) }
func BenchmarkTrainSmall(b *testing.B) { benchTrain(b, "small", 16) }

func BenchmarkDecodeGPT2(b *testing.B) {
	cfg, _ := NamedConfig("gpt2")
	m := New(cfg, 0)
	c := m.NewCache()
	m.Step([]*Cache{c}, [][]int{{1, 2, 3, 4, 5, 6, 7, 8}})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if c.Len() == cfg.BlockSize {
			c.Reset()
		}
		m.Step([]*Cache{c}, [][]int{{i % 100}})
	}
}

// BenchmarkAttention times one layer's attention forward and backward at
// the baby and small training shapes.
func BenchmarkAttention(b *testing.B) {
	for _, s := range []struct {
		name        string
		B, T, C, NH int
	}{{"baby", 12, 64, 128, 4}, {"small", 16, 256, 384, 6}} {
		b.Run(s.name, func(b *testing.B) {
			N := s.B * s.T
			rng := rand.New(rand.NewPCG(1, 1))
			qkv, out, dout, dqkv := make([]float32, N*3*s.C), make([]float32, N*s.C), make([]float32, N*s.C), make([]float32, N*3*s.C)
			lse := make([]float32, N*s.NH)
			for i := range qkv {
				qkv[i] = float32(rng.NormFloat64())
			}
			for i := range dout {
				dout[i] = float32(rng.NormFloat64())
			}
			wk := newWork()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				attentionForward(wk, out, lse, qkv, dropout{}, s.B, s.T, s.C, s.NH)
				attentionBackward(wk, dqkv, dout, qkv, out, lse, dropout{}, s.B, s.T, s.C, s.NH)
			}
			// useful (causal) multiply-adds: forward 2, backward 5 products of T²/2·hs per head
			flops := 2 * 7 * float64(s.B*s.NH) * float64(s.T*s.T/2) * float64(s.C/s.NH)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
