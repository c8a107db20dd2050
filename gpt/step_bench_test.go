package gpt

import (
	"math/rand/v2"
	"testing"
)

// benchStepBaby times one decoding Step of S sequences at the "baby" size
// (the model bench serve uses): every sequence adds one token to a cache
// that holds between 20 and 60, as in serving a 20-token prompt.
func benchStepBaby(b *testing.B, S int) {
	cfg, err := NamedConfig("baby")
	if err != nil {
		b.Fatal(err)
	}
	cfg.VocabSize = 96
	m := randomModel(cfg, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	caches := make([]*Cache, S)
	toks := make([][]int, S)
	for i := range caches {
		caches[i] = m.NewCache()
		m.Step(caches[i:i+1], [][]int{randomTokens(rng, 20+(i*40)/S, cfg.VocabSize)})
		toks[i] = []int{rng.IntN(cfg.VocabSize)}
	}
	m.Step(caches, toks) // warm up buffers
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, c := range caches {
			if c.n >= 60 {
				c.n = 20 // rewind: the keys and values past 20 are stale but valid numbers
			}
		}
		m.Step(caches, toks)
	}
	b.ReportMetric(float64(b.N*S)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkStepBaby1(b *testing.B)  { benchStepBaby(b, 1) }
func BenchmarkStepBaby16(b *testing.B) { benchStepBaby(b, 16) }

// benchStepGPT2 times one decoding Step of S sequences at GPT-2 124M size
// (random weights): the weights are too large for packed copies, so the
// linear layers read them in place.
func benchStepGPT2(b *testing.B, S int) {
	cfg, err := NamedConfig("gpt2")
	if err != nil {
		b.Fatal(err)
	}
	cfg.BlockSize = 128
	m := randomModel(cfg, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	caches := make([]*Cache, S)
	toks := make([][]int, S)
	for i := range caches {
		caches[i] = m.NewCache()
		m.Step(caches[i:i+1], [][]int{randomTokens(rng, 20, cfg.VocabSize)})
		toks[i] = []int{rng.IntN(cfg.VocabSize)}
	}
	m.Step(caches, toks)
	b.ResetTimer()
	for range b.N {
		for _, c := range caches {
			if c.n >= 100 {
				c.n = 20
			}
		}
		m.Step(caches, toks)
	}
	b.ReportMetric(float64(b.N*S)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkStepGPT2_1(b *testing.B)  { benchStepGPT2(b, 1) }
func BenchmarkStepGPT2_4(b *testing.B)  { benchStepGPT2(b, 4) }
func BenchmarkStepGPT2_16(b *testing.B) { benchStepGPT2(b, 16) }
func BenchmarkStepGPT2_32(b *testing.B) { benchStepGPT2(b, 32) }
