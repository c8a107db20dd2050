package gpt

import (
	"math/rand/v2"
	"strings"
)

// randomModel returns a model whose every parameter, biases and LayerNorm
// weights included, is random, so that every path matters in a test.
func randomModel(cfg Config, seed uint64) *Model {
	m := New(cfg, seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, s := range m.specs {
		d := *s.data
		for i := range d {
			switch {
			case strings.HasSuffix(s.name, "bias"):
				d[i] = float32(rng.NormFloat64() * 0.1)
			case strings.Contains(s.name, "ln_"):
				d[i] = float32(1 + rng.NormFloat64()*0.1)
			default:
				d[i] = float32(rng.NormFloat64() * 0.2)
			}
		}
	}
	return m
}

func randomTokens(rng *rand.Rand, n, v int) []int {
	t := make([]int, n)
	for i := range t {
		t[i] = rng.IntN(v)
	}
	return t
}
