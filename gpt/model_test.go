package gpt

import (
	"math"
	"strings"
	"testing"
)

func TestNewInitialization(t *testing.T) {
	cfg := Config{NLayer: 4, NHead: 2, NEmbd: 64, BlockSize: 32, VocabSize: 300, Bias: true}
	m := New(cfg, 7)
	for _, p := range m.Params() {
		var sum, sq float64
		for _, v := range p.Data {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		n := float64(len(p.Data))
		mean, std := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
		switch {
		case strings.HasSuffix(p.Name, "bias"):
			if sq != 0 {
				t.Errorf("%s: bias not zero", p.Name)
			}
		case strings.Contains(p.Name, "ln_"):
			if mean != 1 || std != 0 {
				t.Errorf("%s: LayerNorm weight mean %v std %v, want 1 and 0", p.Name, mean, std)
			}
		default:
			want := 0.02
			if strings.HasSuffix(p.Name, "c_proj.weight") {
				want = 0.02 / math.Sqrt(2*float64(cfg.NLayer))
			}
			if math.Abs(std-want) > 0.1*want || math.Abs(mean) > 0.1*want {
				t.Errorf("%s: mean %v std %v, want 0 and %v", p.Name, mean, std, want)
			}
		}
		if p.Decay != (len(p.Data) > 0 && !strings.HasSuffix(p.Name, "bias") && !strings.Contains(p.Name, "ln_")) {
			t.Errorf("%s: Decay %v", p.Name, p.Decay)
		}
		if len(p.Grad) != len(p.Data) {
			t.Errorf("%s: %d grads for %d values", p.Name, len(p.Grad), len(p.Data))
		}
	}
	if a, b := New(cfg, 7), New(cfg, 8); maxAbsDiff(a.params, m.params) != 0 || maxAbsDiff(b.params, m.params) == 0 {
		t.Error("New is not fixed by its seed")
	}
	names := map[string]bool{}
	for _, p := range m.Params() {
		names[p.Name] = true
	}
	for _, n := range []string{"wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.3.attn.c_attn.weight", "h.3.mlp.c_proj.bias", "ln_f.bias"} {
		if !names[n] {
			t.Errorf("no parameter %s", n)
		}
	}
}

func TestForwardPanics(t *testing.T) {
	m := New(Config{NLayer: 1, NHead: 1, NEmbd: 8, BlockSize: 4, VocabSize: 5, Bias: true}, 1)
	cases := map[string]func(){
		"T past block": func() { m.Forward(make([]int, 5), 1, 5, nil) },
		"short tokens": func() { m.Forward(make([]int, 3), 1, 4, nil) },
		"bad token":    func() { m.Forward([]int{0, 9}, 1, 2, nil) },
		"bad target":   func() { m.Forward([]int{0, 1}, 1, 2, []int{0, -2}) },
		"no targets":   func() { m.Forward([]int{0, 1}, 1, 2, nil); m.Backward() },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestAllTargetsIgnored(t *testing.T) {
	m := randomModel(Config{NLayer: 1, NHead: 1, NEmbd: 8, BlockSize: 4, VocabSize: 5, Bias: true}, 1)
	loss := m.Forward([]int{0, 1, 2}, 1, 3, []int{-1, -1, -1})
	if !math.IsNaN(float64(loss)) {
		t.Errorf("loss %v with every target ignored, want NaN (as PyTorch)", loss)
	}
	m.ZeroGrad()
	m.Backward()
	if maxAbs(m.grads) != 0 {
		t.Error("gradients not zero with every target ignored")
	}
}
