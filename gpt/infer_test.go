package gpt

import (
	"math/rand/v2"
	"testing"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/sampling"
)

// stepTol is the largest difference allowed between Step's logits and
// Forward's: the same maths summed in a different order.
const stepTol = 2e-4

var stepCfg = Config{NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 160, VocabSize: 40, Bias: true}

// forwardRows returns Forward's logits for one sequence, row per position.
func forwardRows(m *Model, toks []int) [][]float32 {
	m.Forward(toks, 1, len(toks), nil)
	lg := m.Logits()
	V := m.Config.VocabSize
	rows := make([][]float32, len(toks))
	for t := range rows {
		rows[t] = append([]float32(nil), lg[t*V:(t+1)*V]...)
	}
	return rows
}

func TestStepMatchesForward(t *testing.T) {
	m := randomModel(stepCfg, 1)
	rng := rand.New(rand.NewPCG(2, 2))
	toks := randomTokens(rng, 150, stepCfg.VocabSize) // > attnBlock: several query blocks
	want := forwardRows(m, toks)
	if len(toks) <= attnBlock {
		t.Fatalf("%d tokens do not exceed attnBlock %d", len(toks), attnBlock)
	}

	t.Run("token by token", func(t *testing.T) {
		c := m.NewCache()
		for i, tok := range toks {
			got := m.Step([]*Cache{c}, [][]int{{tok}})[0]
			if d := maxAbsDiff(got, want[i]); d > stepTol {
				t.Fatalf("position %d: Step differs from Forward by %g", i, d)
			}
		}
		if c.Len() != len(toks) {
			t.Errorf("Len %d, want %d", c.Len(), len(toks))
		}
	})
	t.Run("prefill in one chunk", func(t *testing.T) {
		c := m.NewCache()
		got := m.Step([]*Cache{c}, [][]int{toks})[0]
		if d := maxAbsDiff(got, want[len(toks)-1]); d > stepTol {
			t.Fatalf("Step differs from Forward by %g", d)
		}
	})
	t.Run("chunks", func(t *testing.T) {
		c := m.NewCache()
		at := 0
		for _, n := range []int{3, 135, 1, 11} { // matvec and SGEMM paths, a prefill past a block after a prefix
			got := m.Step([]*Cache{c}, [][]int{toks[at : at+n]})[0]
			at += n
			if d := maxAbsDiff(got, want[at-1]); d > stepTol {
				t.Fatalf("chunk ending at %d: Step differs from Forward by %g", at, d)
			}
		}
		c.Reset()
		got := m.Step([]*Cache{c}, [][]int{toks[:2]})[0]
		if d := maxAbsDiff(got, want[1]); d > stepTol || c.Len() != 2 {
			t.Fatalf("after Reset: diff %g, Len %d", d, c.Len())
		}
	})
}

// stepBatch makes one random sequence per i, of cached[i]+fresh[i]
// tokens, with a cache holding its first cached[i] tokens (put there by a
// single-sequence Step); news[i] are the rest, and wants[i] Forward's
// logits at the last token.
func stepBatch(m *Model, rng *rand.Rand, cached, fresh []int) (seqs [][]int, caches []*Cache, news [][]int, wants [][]float32) {
	for i := range cached {
		seq := randomTokens(rng, cached[i]+fresh[i], m.Config.VocabSize)
		seqs = append(seqs, seq)
		w := forwardRows(m, seq)
		wants = append(wants, w[len(seq)-1])
		c := m.NewCache()
		if cached[i] > 0 {
			m.Step([]*Cache{c}, [][]int{seq[:cached[i]]})
		}
		caches = append(caches, c)
		news = append(news, seq[cached[i]:])
	}
	return seqs, caches, news, wants
}

func TestStepBatchOfDifferentLengths(t *testing.T) {
	m := randomModel(stepCfg, 3)
	rng := rand.New(rand.NewPCG(4, 4))
	cached := []int{0, 5, 20, 9}
	fresh := []int{1, 7, 2, 1}
	seqs, caches, news, wants := stepBatch(m, rng, cached, fresh)
	got := m.Step(caches, news)
	for i := range got {
		if d := maxAbsDiff(got[i], wants[i]); d > stepTol {
			t.Errorf("sequence %d (%d cached + %d new): differs from Forward by %g", i, cached[i], fresh[i], d)
		}
		if caches[i].Len() != cached[i]+fresh[i] {
			t.Errorf("sequence %d: Len %d, want %d", i, caches[i].Len(), cached[i]+fresh[i])
		}
	}
	// Then a batch of single tokens (the decode path) also matches.
	for i := range news {
		seqs[i] = append(seqs[i], i)
		news[i] = []int{i}
		w := forwardRows(m, seqs[i])
		wants[i] = w[len(w)-1]
	}
	got = m.Step(caches, news)
	for i := range got {
		if d := maxAbsDiff(got[i], wants[i]); d > stepTol {
			t.Errorf("decode, sequence %d: differs from Forward by %g", i, d)
		}
	}
}

func TestStepPanics(t *testing.T) {
	m := randomModel(Config{NLayer: 1, NHead: 1, NEmbd: 8, BlockSize: 4, VocabSize: 5, Bias: true}, 1)
	other := randomModel(Config{NLayer: 2, NHead: 1, NEmbd: 8, BlockSize: 4, VocabSize: 5, Bias: true}, 1)
	c := m.NewCache()
	cases := []struct {
		name   string
		caches []*Cache
		tokens [][]int
	}{
		{"past block size", []*Cache{c}, [][]int{{1, 2, 3, 4, 1}}},
		{"no tokens", []*Cache{c}, [][]int{{}}},
		{"bad id", []*Cache{c}, [][]int{{5}}},
		{"same cache twice", []*Cache{c, c}, [][]int{{1}, {2}}},
		{"other model's cache", []*Cache{other.NewCache()}, [][]int{{1}}},
		{"count mismatch", []*Cache{c}, [][]int{{1}, {2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			m.Step(tc.caches, tc.tokens)
		})
	}
}

func TestGenerateGreedyMatchesForward(t *testing.T) {
	m := randomModel(stepCfg, 5)
	prompt := []int{3, 1, 4, 1, 5}
	got := m.Generate(prompt, 12, nil, -1, nil)
	seq := append([]int(nil), prompt...)
	for i := 0; i < 12; i++ {
		rows := forwardRows(m, seq)
		next := sampling.Argmax(rows[len(rows)-1])
		if got[i] != next {
			t.Fatalf("token %d: Generate %d, Forward's argmax %d", i, got[i], next)
		}
		seq = append(seq, next)
	}
	// The same tokens through a greedy Sampler, and emit sees them in order.
	var seen []int
	again := m.Generate(prompt, 12, sampling.New(sampling.Options{}, 1), -1, func(tok int) bool { seen = append(seen, tok); return true })
	for i := range got {
		if again[i] != got[i] || seen[i] != got[i] {
			t.Fatalf("token %d: %d with a greedy sampler, %d emitted, want %d", i, again[i], seen[i], got[i])
		}
	}
}

func TestGenerateStops(t *testing.T) {
	m := randomModel(stepCfg, 5)
	prompt := []int{3, 1, 4}
	all := m.Generate(prompt, 10, nil, -1, nil)
	if len(all) != 10 {
		t.Fatalf("%d tokens, want 10", len(all))
	}
	n := 0
	part := m.Generate(prompt, 10, nil, -1, func(int) bool { n++; return n < 3 })
	if len(part) != 3 {
		t.Errorf("emit returning false after 3: got %d tokens", len(part))
	}
	stop := m.Generate(prompt, 10, nil, all[4], nil)
	for i, tok := range stop {
		if tok == all[4] {
			t.Errorf("stop token %d returned at %d", tok, i)
		}
	}
	if len(stop) > 4 {
		t.Errorf("did not stop at eot %d: %v (free run %v)", all[4], stop, all)
	}
	if g := m.Generate(nil, 5, nil, -1, nil); g != nil {
		t.Errorf("empty prompt without eot: %v", g)
	}
	if g := m.Generate(nil, 5, nil, 0, nil); len(g) > 5 {
		t.Errorf("empty prompt with eot: %v", g)
	}
}

func TestGenerateSlidesWindow(t *testing.T) {
	cfg := Config{NLayer: 1, NHead: 2, NEmbd: 16, BlockSize: 8, VocabSize: 11, Bias: true}
	m := randomModel(cfg, 9)
	for _, prompt := range [][]int{{1, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}} {
		got := m.Generate(prompt, 20, nil, -1, nil)
		// The reference: Forward on what the cache should hold. When it is
		// full, it restarts from the last BlockSize/2 tokens.
		hist := append([]int(nil), prompt...)
		ctx := append([]int(nil), hist[max(0, len(hist)-8):]...)
		var want []int
		for len(want) < 20 {
			rows := forwardRows(m, ctx)
			tok := sampling.Argmax(rows[len(rows)-1])
			want = append(want, tok)
			hist = append(hist, tok)
			if len(ctx) == 8 {
				ctx = append([]int(nil), hist[len(hist)-4:]...)
			} else {
				ctx = append(ctx, tok)
			}
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("prompt of %d: token %d is %d, want %d (got %v, want %v)", len(prompt), i, got[i], want[i], got, want)
			}
		}
	}
	s := sampling.New(sampling.Options{Temperature: 1}, 3)
	if got := m.Generate([]int{1}, 40, s, -1, nil); len(got) != 40 {
		t.Fatalf("sampling: %d tokens, want 40", len(got))
	}
}

// Step keeps transposed copies of small weights; changing the weights
// through Params (as an optimizer does) must not leave Step on stale ones.
func TestStepSeesUpdatedWeights(t *testing.T) {
	m := randomModel(stepCfg, 5)
	rng := rand.New(rand.NewPCG(6, 6))
	toks := randomTokens(rng, 8, stepCfg.VocabSize) // 8 rows: the cached-transpose path
	m.Step([]*Cache{m.NewCache()}, [][]int{toks})
	for _, p := range m.Params() {
		for i := range p.Data {
			p.Data[i] *= 1.5
		}
	}
	want := forwardRows(m, toks)
	got := m.Step([]*Cache{m.NewCache()}, [][]int{toks})[0]
	if d := maxAbsDiff(got, want[len(toks)-1]); d > stepTol {
		t.Fatalf("after a weight update Step differs from Forward by %g", d)
	}
}

// The test models' weights are small enough for Step's packed copies; this
// reruns the Step tests on the paths for large weights (dot products for a
// few rows, SGEMM on the weights themselves for more), which GPT-2 takes.
func TestStepLargeWeightsMatchForward(t *testing.T) {
	old := cachedWeightBytes
	cachedWeightBytes = 0
	defer func() { cachedWeightBytes = old }()
	t.Run("MatchesForward", TestStepMatchesForward)
	t.Run("BatchOfDifferentLengths", TestStepBatchOfDifferentLengths)
	t.Run("SeesUpdatedWeights", TestStepSeesUpdatedWeights)
}

// The test models are small enough that Step runs them on one goroutine;
// these rerun the Step tests with every step on the worker pool.
func TestStepParallelMatchesForward(t *testing.T) {
	old := stepSerialWork
	stepSerialWork = 0
	defer func() { stepSerialWork = old }()
	t.Run("MatchesForward", TestStepMatchesForward)
	t.Run("BatchOfDifferentLengths", TestStepBatchOfDifferentLengths)
	t.Run("SeesUpdatedWeights", TestStepSeesUpdatedWeights)
}

// Steps too large for one thread: many prompts at once split into groups
// of even rows (each still on one thread), one long prompt beside a few
// decodes goes to the parallel sections; both match Forward.
func TestStepLargeSteps(t *testing.T) {
	old := stepSerialWork
	stepSerialWork = 16 * stepCfg.NEmbd * 4 * stepCfg.NEmbd // steps of more than 16 rows are large
	defer func() { stepSerialWork = old }()
	m := randomModel(stepCfg, 7)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range []struct{ cached, fresh []int }{
		{[]int{0, 0, 0, 0, 0, 0}, []int{20, 20, 20, 20, 20, 20}}, // even: groups
		{[]int{0, 5, 9}, []int{100, 1, 1}},                       // one long prompt: parallel sections
	} {
		_, caches, news, wants := stepBatch(m, rng, c.cached, c.fresh)
		got := m.Step(caches, news)
		for i := range got {
			if d := maxAbsDiff(got[i], wants[i]); d > stepTol {
				t.Errorf("%v new tokens: sequence %d differs from Forward by %g", c.fresh, i, d)
			}
		}
	}
}

func TestUnevenGroups(t *testing.T) {
	for _, c := range []struct {
		lens   []int
		groups int
		want   bool
	}{
		{[]int{20, 20, 20, 20}, 2, false},
		{[]int{21, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, false}, // 21 of 36 rows: under 1.5 shares
		{[]int{100, 1, 1}, 2, true},
		{[]int{30, 10, 10, 10}, 3, false}, // 30 of 60: exactly 1.5 shares
		{[]int{31, 10, 10, 9}, 3, true},
	} {
		ts := make([][]int, len(c.lens))
		N := 0
		for i, n := range c.lens {
			ts[i] = make([]int, n)
			N += n
		}
		if got := unevenGroups(ts, splitRows(ts, N, c.groups), N); got != c.want {
			t.Errorf("unevenGroups(%v, %d groups) = %v, want %v (split %v)", c.lens, c.groups, got, c.want, splitRows(ts, N, c.groups))
		}
	}
}

func TestSplitRows(t *testing.T) {
	lens := func(ns ...int) [][]int {
		var ts [][]int
		for _, n := range ns {
			ts = append(ts, make([]int, n))
		}
		return ts
	}
	for _, c := range []struct {
		lens   []int
		groups int
		want   []int
	}{
		{[]int{1, 1, 1, 1}, 2, []int{0, 2, 4}},
		{[]int{1, 1, 1, 1, 1, 1}, 3, []int{0, 2, 4, 6}},
		{[]int{20, 1, 1, 1}, 2, []int{0, 1, 4}}, // a prefill fills the first share alone
		{[]int{1, 1, 20}, 2, []int{0, 2, 3}},    // the share is never reached before the last
		{[]int{30, 1, 1}, 3, []int{0, 1, 2, 3}}, // one sequence each
		{[]int{1, 1, 1, 1, 1, 1, 1, 1}, 1, []int{0, 8}},
	} {
		ts := lens(c.lens...)
		N := 0
		for _, n := range c.lens {
			N += n
		}
		got := splitRows(ts, N, c.groups)
		if len(got) != len(c.want) {
			t.Errorf("splitRows(%v, %d) = %v, want %v", c.lens, c.groups, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("splitRows(%v, %d) = %v, want %v", c.lens, c.groups, got, c.want)
				break
			}
		}
	}
	// Any split: groups in order, none empty, all sequences covered.
	rng := rand.New(rand.NewPCG(9, 9))
	for range 500 {
		S := 1 + rng.IntN(20)
		ns := make([]int, S)
		N := 0
		for i := range ns {
			ns[i] = 1 + rng.IntN(1+rng.IntN(40))
			N += ns[i]
		}
		groups := 1 + rng.IntN(S)
		b := splitRows(lens(ns...), N, groups)
		if len(b) != groups+1 || b[0] != 0 || b[groups] != S {
			t.Fatalf("splitRows(%v, %d) = %v: does not cover the sequences", ns, groups, b)
		}
		for g := 0; g < groups; g++ {
			if b[g+1] <= b[g] {
				t.Fatalf("splitRows(%v, %d) = %v: group %d is empty", ns, groups, b, g)
			}
		}
	}
}

// A batch with rows enough is split into groups, one per thread, each
// running the whole step on its own buffers; the result must not change.
func TestStepGroupsMatchForward(t *testing.T) {
	kernels.SetThreads(3)
	defer kernels.SetThreads(0)
	m := randomModel(stepCfg, 7)
	rng := rand.New(rand.NewPCG(8, 8))
	cached := []int{0, 5, 20, 9, 0, 3, 14}
	fresh := []int{12, 1, 1, 1, 9, 2, 1}
	_, caches, news, wants := stepBatch(m, rng, cached, fresh)
	N := 0
	for _, n := range fresh {
		N += n
	}
	if N < 3*stepGroupRows {
		t.Fatalf("%d rows do not make 3 groups of %d", N, stepGroupRows)
	}
	for range 2 { // the second time on the groups' grown buffers
		for i, c := range caches {
			c.n = cached[i]
		}
		got := m.Step(caches, news)
		if len(m.dec) < 3 {
			t.Fatalf("Step used %d groups, want 3", len(m.dec))
		}
		for i := range got {
			if d := maxAbsDiff(got[i], wants[i]); d > stepTol {
				t.Errorf("sequence %d (%d cached + %d new): differs from Forward by %g", i, cached[i], fresh[i], d)
			}
			if caches[i].Len() != cached[i]+fresh[i] {
				t.Errorf("sequence %d: Len %d, want %d", i, caches[i].Len(), cached[i]+fresh[i])
			}
		}
	}
}

// A Session feeds only what its cache lacks, and generates what a fresh
// Generate of the whole prompt does.
func TestSessionReusesCache(t *testing.T) {
	m := randomModel(stepCfg, 11)
	rng := rand.New(rand.NewPCG(12, 12))
	p1 := randomTokens(rng, 20, stepCfg.VocabSize)
	se := m.NewSession()
	out1 := se.Generate(p1, 8, nil, -1, nil)
	if len(out1) != 8 {
		t.Fatalf("first turn: %d tokens, want 8", len(out1))
	}
	// The next turn: the text so far, then more.
	p2 := append(append(append([]int(nil), p1...), out1...), randomTokens(rng, 5, stepCfg.VocabSize)...)
	want := m.Generate(p2, 6, nil, -1, nil)
	before := m.fed
	got := se.Generate(p2, 6, nil, -1, nil)
	// The cache held p1 and out1 but its last token, never fed: that token
	// and the 5 new ones are fed, then 5 of the 6 generated.
	if fed, want := m.fed-before, 1+5+5; fed != want {
		t.Errorf("second turn fed %d tokens, want %d", fed, want)
	}
	if len(got) != len(want) {
		t.Fatalf("second turn: %v, fresh Generate: %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("second turn: %v, fresh Generate: %v", got, want)
		}
	}
	// A prompt that departs from the cache midway keeps only the common
	// prefix; one that is all cached feeds its last token again.
	p3 := append(append([]int(nil), p1[:10]...), randomTokens(rng, 3, stepCfg.VocabSize)...)
	before = m.fed
	se.Generate(p3, 1, nil, -1, nil)
	if fed := m.fed - before; fed != 3 {
		t.Errorf("diverging prompt fed %d tokens, want 3", fed)
	}
	before = m.fed
	se.Generate(p3, 1, nil, -1, nil)
	if fed := m.fed - before; fed != 1 {
		t.Errorf("cached prompt fed %d tokens, want 1", fed)
	}
	// Past the context it slides as Generate does.
	long := randomTokens(rng, stepCfg.BlockSize+7, stepCfg.VocabSize)
	want = m.Generate(long, 20, nil, -1, nil)
	got = se.Generate(long, 20, nil, -1, nil)
	if len(got) != len(want) {
		t.Fatalf("long prompt: %v, fresh Generate: %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("long prompt: %v, fresh Generate: %v", got, want)
		}
	}
}

func TestCacheTruncatePanics(t *testing.T) {
	m := randomModel(stepCfg, 1)
	c := m.NewCache()
	m.Step([]*Cache{c}, [][]int{{1, 2, 3}})
	c.Truncate(1)
	if c.Len() != 1 {
		t.Fatalf("Len %d after Truncate(1)", c.Len())
	}
	for _, n := range []int{-1, 2} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Truncate(%d) of a cache of 1: no panic", n)
				}
			}()
			c.Truncate(n)
		}()
	}
}

// GenerateBatch gives each prompt what Generate gives it alone, with
// prompts of different lengths, sequences that end early, and one that
// outgrows the context and slides.
func TestGenerateBatchMatchesGenerate(t *testing.T) {
	m := randomModel(stepCfg, 21)
	rng := rand.New(rand.NewPCG(22, 22))
	prompts := [][]int{
		randomTokens(rng, 3, stepCfg.VocabSize),
		randomTokens(rng, 40, stepCfg.VocabSize),
		randomTokens(rng, stepCfg.BlockSize-5, stepCfg.VocabSize), // slides after 5 tokens
		{},
		randomTokens(rng, 1, stepCfg.VocabSize),
	}
	const maxNew, eot = 30, 7
	for _, seeded := range []bool{false, true} {
		samplers := func() []*sampling.Sampler {
			if !seeded {
				return nil
			}
			s := make([]*sampling.Sampler, len(prompts))
			for i := range s {
				s[i] = sampling.New(sampling.Options{Temperature: 1}, uint64(100+i))
			}
			return s
		}
		var emitted [5][]int
		got := m.GenerateBatch(prompts, maxNew, samplers(), eot, func(i, tok int) bool {
			emitted[i] = append(emitted[i], tok)
			return true
		})
		smp := samplers()
		ended := 0
		for i, p := range prompts {
			var s *sampling.Sampler
			if smp != nil {
				s = smp[i]
			}
			want := m.Generate(p, maxNew, s, eot, nil)
			if len(got[i]) != len(want) || len(emitted[i]) != len(want) {
				t.Fatalf("seeded %v, prompt %d: %v, Generate %v (emitted %v)", seeded, i, got[i], want, emitted[i])
			}
			for j := range want {
				if got[i][j] != want[j] || emitted[i][j] != want[j] {
					t.Fatalf("seeded %v, prompt %d: %v, Generate %v", seeded, i, got[i], want)
				}
			}
			if len(want) < maxNew {
				ended++
			}
		}
		if seeded && ended == 0 {
			t.Errorf("no sequence ended at eot %d: the early end is untested", eot)
		}
	}
	// emit returning false ends that sequence alone.
	got := m.GenerateBatch(prompts[:2], 10, nil, -1, func(i, tok int) bool { return i != 0 })
	if len(got[0]) != 1 || len(got[1]) != 10 {
		t.Errorf("stopped sequence 0: lengths %d and %d, want 1 and 10", len(got[0]), len(got[1]))
	}
}
