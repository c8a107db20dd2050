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
