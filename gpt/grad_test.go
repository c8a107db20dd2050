package gpt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Finite-difference tolerances: central differences of a float32 loss
// with step fdEps carry about 1e-4 of rounding noise.
const (
	fdEps    = 1e-2
	fdAbsTol = 2e-3
	fdRelTol = 5e-2
)

// checkGradFD compares Backward's gradient with central differences of
// Forward's loss at n random parameter entries.
func checkGradFD(t *testing.T, m *Model, toks, tgts []int, B, T, n int, seed uint64) {
	t.Helper()
	m.ZeroGrad()
	m.Forward(toks, B, T, tgts)
	m.Backward()
	grads := append([]float32(nil), m.grads...)
	rng := rand.New(rand.NewPCG(seed, 1))
	for k := 0; k < n; k++ {
		// Pick a parameter tensor uniformly, then an entry in it, so that
		// small tensors (biases, LayerNorm) are checked too.
		s := m.specs[rng.IntN(len(m.specs))]
		d := *s.data
		i := rng.IntN(len(d))
		off := offsetOf(m, &d[i])
		old := d[i]
		d[i] = old + fdEps
		lp := m.Forward(toks, B, T, tgts)
		d[i] = old - fdEps
		lm := m.Forward(toks, B, T, tgts)
		d[i] = old
		fd := (float64(lp) - float64(lm)) / (2 * fdEps)
		g := float64(grads[off])
		if math.Abs(fd-g) > fdAbsTol+fdRelTol*math.Abs(g) {
			t.Errorf("%s[%d]: backward %g, finite difference %g", s.name, i, g, fd)
		}
	}
}

// offsetOf returns p's index in m.params.
func offsetOf(m *Model, p *float32) int {
	for i := range m.params {
		if &m.params[i] == p {
			return i
		}
	}
	panic("not a parameter")
}

func TestGradientFiniteDifferences(t *testing.T) {
	cfg := Config{NLayer: 2, NHead: 2, NEmbd: 16, BlockSize: 160, VocabSize: 20, Bias: true}
	m := randomModel(cfg, 11)
	rng := rand.New(rand.NewPCG(12, 0))
	B, T := 1, 150 // T > attnBlock: the backward's block loop runs twice
	if T <= attnBlock {
		t.Fatalf("T %d does not exceed attnBlock %d", T, attnBlock)
	}
	toks, tgts := randomTokens(rng, B*T, cfg.VocabSize), randomTokens(rng, B*T, cfg.VocabSize)
	tgts[5] = -1
	checkGradFD(t, m, toks, tgts, B, T, 20, 13)
}

func TestGradientNoBias(t *testing.T) {
	cfg := Config{NLayer: 1, NHead: 2, NEmbd: 16, BlockSize: 16, VocabSize: 20, Bias: false}
	m := randomModel(cfg, 21)
	for _, p := range m.Params() {
		if len(p.Name) > 4 && p.Name[len(p.Name)-4:] == "bias" {
			t.Fatalf("Bias false but parameter %s", p.Name)
		}
	}
	rng := rand.New(rand.NewPCG(22, 0))
	toks, tgts := randomTokens(rng, 2*10, cfg.VocabSize), randomTokens(rng, 2*10, cfg.VocabSize)
	checkGradFD(t, m, toks, tgts, 2, 10, 20, 23)
}

func TestGradientWithDropout(t *testing.T) {
	cfg := Config{NLayer: 2, NHead: 2, NEmbd: 16, BlockSize: 16, VocabSize: 20, Dropout: 0.2, Bias: true}
	m := randomModel(cfg, 31)
	m.SetTraining(true)
	m.freeze = true // the same masks in every Forward, so that differences are defined
	m.dropStep = 5
	rng := rand.New(rand.NewPCG(32, 0))
	toks, tgts := randomTokens(rng, 2*12, cfg.VocabSize), randomTokens(rng, 2*12, cfg.VocabSize)
	checkGradFD(t, m, toks, tgts, 2, 12, 20, 33)
}

func TestDropout(t *testing.T) {
	cfg := Config{NLayer: 2, NHead: 2, NEmbd: 16, BlockSize: 16, VocabSize: 20, Dropout: 0.3, Bias: true}
	m := randomModel(cfg, 41)
	plain := randomModel(Config{NLayer: 2, NHead: 2, NEmbd: 16, BlockSize: 16, VocabSize: 20, Bias: true}, 41)
	rng := rand.New(rand.NewPCG(42, 0))
	toks, tgts := randomTokens(rng, 12, cfg.VocabSize), randomTokens(rng, 12, cfg.VocabSize)

	// Not training: dropout is off and the model is the plain one.
	if a, b := m.Forward(toks, 1, 12, tgts), plain.Forward(toks, 1, 12, tgts); a != b {
		t.Errorf("eval loss %v with dropout configured, %v without", a, b)
	}
	// Training: each step draws new masks.
	m.SetTraining(true)
	l1, l2 := m.Forward(toks, 1, 12, tgts), m.Forward(toks, 1, 12, tgts)
	if l1 == l2 {
		t.Errorf("two training steps gave the same loss %v: masks did not change", l1)
	}
	m.SetTraining(false)
	if a := m.Forward(toks, 1, 12, tgts); a != plain.Forward(toks, 1, 12, tgts) {
		t.Errorf("after SetTraining(false) loss %v differs from the plain model's", a)
	}

	// The mask keeps about 1-p of the elements and scales them by 1/(1-p).
	d := newDropout(0.3, 1, 2, 3)
	kept := 0
	const n = 200000
	for i := uint64(0); i < n; i++ {
		if d.keep(i) {
			kept++
		}
	}
	if f := float64(kept) / n; math.Abs(f-0.7) > 0.005 {
		t.Errorf("kept fraction %v, want 0.7", f)
	}
	if v := d.apply(0, 1); v != 0 && math.Abs(float64(v)-1/0.7) > 1e-6 {
		t.Errorf("kept value scaled to %v, want %v", v, 1/0.7)
	}
}

func TestRandomStateResumesMasks(t *testing.T) {
	cfg := Config{NLayer: 1, NHead: 2, NEmbd: 16, BlockSize: 16, VocabSize: 20, Dropout: 0.3, Bias: true}
	a, b := randomModel(cfg, 1), randomModel(cfg, 1)
	a.SetTraining(true)
	b.SetTraining(true)
	rng := rand.New(rand.NewPCG(2, 0))
	toks, tgts := randomTokens(rng, 12, cfg.VocabSize), randomTokens(rng, 12, cfg.VocabSize)
	a.Forward(toks, 1, 12, tgts)
	st, err := a.RandomState()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetRandomState(st); err != nil {
		t.Fatal(err)
	}
	if la, lb := a.Forward(toks, 1, 12, tgts), b.Forward(toks, 1, 12, tgts); la != lb {
		t.Errorf("after restoring the random state: loss %v, want %v", lb, la)
	}
	if err := b.SetRandomState(st[:5]); err == nil {
		t.Error("no error for a short state")
	}
}
