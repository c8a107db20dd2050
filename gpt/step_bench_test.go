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
