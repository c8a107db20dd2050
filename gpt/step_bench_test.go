package gpt

import (
	"math/rand/v2"
	"testing"
)

// benchStep times one decoding Step of S sequences of a random model of
// the named size: every sequence adds one token to a cache that holds
// between 20 and 60 (baby) or 100 (gpt2) tokens, as in serving a 20-token
// prompt. At the baby size (the model bench serve uses) the weights are
// packed copies; at GPT-2 124M they are too large and are read in place.
func benchStep(b *testing.B, name string, S int) {
	cfg, err := NamedConfig(name)
	if err != nil {
		b.Fatal(err)
	}
	top := 60
	if name == "baby" {
		cfg.VocabSize = 96
	} else {
		cfg.BlockSize, top = 128, 100
	}
	m := randomModel(cfg, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	caches := make([]*Cache, S)
	toks := make([][]int, S)
	for i := range caches {
		caches[i] = m.NewCache()
		m.Step(caches[i:i+1], [][]int{randomTokens(rng, 20+(i*(top-20))/S, cfg.VocabSize)})
		toks[i] = []int{rng.IntN(cfg.VocabSize)}
	}
	m.Step(caches, toks) // warm up buffers
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, c := range caches {
			if c.n >= top {
				c.n = 20 // rewind: the keys and values past 20 are stale but valid numbers
			}
		}
		m.Step(caches, toks)
	}
	b.ReportMetric(float64(b.N*S)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkStepBaby1(b *testing.B)   { benchStep(b, "baby", 1) }
func BenchmarkStepBaby16(b *testing.B)  { benchStep(b, "baby", 16) }
func BenchmarkStepGPT2_1(b *testing.B)  { benchStep(b, "gpt2", 1) }
func BenchmarkStepGPT2_4(b *testing.B)  { benchStep(b, "gpt2", 4) }
func BenchmarkStepGPT2_16(b *testing.B) { benchStep(b, "gpt2", 16) }
func BenchmarkStepGPT2_32(b *testing.B) { benchStep(b, "gpt2", 32) }
