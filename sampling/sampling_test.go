package sampling

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/golemml/golem/internal/kernels"
)

func TestGreedy(t *testing.T) {
	s := New(Options{}, 1)
	if got := s.Sample([]float32{0.1, 3, 2, 3}); got != 1 {
		t.Fatalf("greedy = %d, want 1 (first max)", got)
	}
}

func TestTopKRestricts(t *testing.T) {
	logits := []float32{5, 4, 3, 2, 1, 0}
	s := New(Options{Temperature: 1, TopK: 2}, 7)
	for i := 0; i < 2000; i++ {
		if got := s.Sample(logits); got > 1 {
			t.Fatalf("top-k=2 sampled token %d", got)
		}
	}
}

func TestTopPRestricts(t *testing.T) {
	// probabilities ~ 0.64, 0.24, 0.09, 0.03: top_p 0.8 keeps the first two.
	logits := []float32{3, 2, 1, 0}
	s := New(Options{Temperature: 1, TopP: 0.8}, 3)
	seen := map[int]int{}
	for i := 0; i < 4000; i++ {
		seen[s.Sample(logits)]++
	}
	if seen[2] != 0 || seen[3] != 0 || seen[1] == 0 {
		t.Fatalf("top-p=0.8 counts %v, want only tokens 0 and 1", seen)
	}
}

func TestFrequenciesMatchSoftmax(t *testing.T) {
	logits := []float32{1, 2, 0.5}
	const T = 0.7
	s := New(Options{Temperature: T}, 42)
	const n = 200000
	counts := make([]float64, 3)
	for i := 0; i < n; i++ {
		counts[s.Sample(logits)]++
	}
	var z float64
	for _, v := range logits {
		z += math.Exp(float64(v) / T)
	}
	for i, v := range logits {
		want := math.Exp(float64(v)/T) / z
		if got := counts[i] / n; math.Abs(got-want) > 0.005 {
			t.Errorf("token %d frequency %.4f, want %.4f", i, got, want)
		}
	}
}

func TestSeedDeterminism(t *testing.T) {
	logits := []float32{0.3, 0.2, 0.1, 0.4, 0.0}
	a, b := New(Options{Temperature: 1}, 9), New(Options{Temperature: 1}, 9)
	for i := 0; i < 100; i++ {
		if x, y := a.Sample(logits), b.Sample(logits); x != y {
			t.Fatalf("draw %d: %d != %d with the same seed", i, x, y)
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []Options{{Temperature: -1}, {TopK: -2}, {TopP: 1.5}, {Temperature: math.NaN()}}
	for _, o := range bad {
		if o.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want error", o)
		}
	}
	if err := (Options{Temperature: 0.8, TopK: 40, TopP: 0.95}).Validate(); err != nil {
		t.Errorf("valid options rejected: %v", err)
	}
}

// refSample is Sample as it was with a full stable sort of the candidates:
// the heap must keep the same candidates in the same order, so that the
// same seed draws the same tokens.
func refSample(o Options, rng *rand.Rand, logits []float32) int {
	n := len(logits)
	p := append([]float32(nil), logits...)
	if o.Temperature != 1 {
		kernels.Scale(float32(1/o.Temperature), p)
	}
	kernels.Softmax(p, p)
	idx := make([]int, n)
	var sum float64
	for i, v := range p {
		sum += float64(v)
		idx[i] = i
	}
	k := n
	if (o.TopK > 0 && o.TopK < n) || (o.TopP > 0 && o.TopP < 1) {
		sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
		if o.TopK > 0 && o.TopK < k {
			k = o.TopK
		}
		if o.TopP > 0 && o.TopP < 1 {
			var tot float64
			for _, i := range idx[:k] {
				tot += float64(p[i])
			}
			var c float64
			for j, i := range idx[:k] {
				c += float64(p[i]) / tot
				if c >= o.TopP {
					k = j + 1
					break
				}
			}
		}
		sum = 0
		for _, i := range idx[:k] {
			sum += float64(p[i])
		}
	}
	r := rng.Float64() * sum
	for _, i := range idx[:k] {
		r -= float64(p[i])
		if r < 0 {
			return i
		}
	}
	return idx[k-1]
}

func TestTopKTopPMatchSort(t *testing.T) {
	gen := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 300; trial++ {
		n := 2 + gen.IntN(300)
		logits := make([]float32, n)
		for i := range logits {
			logits[i] = float32(gen.NormFloat64() * 3)
			if gen.IntN(4) == 0 { // ties
				logits[i] = float32(gen.IntN(3))
			}
		}
		o := Options{Temperature: []float64{0.5, 1, 2}[gen.IntN(3)]}
		switch gen.IntN(3) {
		case 0:
			o.TopK = 1 + gen.IntN(n+2)
		case 1:
			o.TopP = gen.Float64()
		default:
			o.TopK, o.TopP = 1+gen.IntN(n), gen.Float64()
		}
		seed := gen.Uint64()
		s := New(o, seed)
		ref := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		for d := 0; d < 20; d++ {
			if got, want := s.Sample(logits), refSample(o, ref, logits); got != want {
				t.Fatalf("n=%d %+v draw %d: %d, the sorted reference %d", n, o, d, got, want)
			}
		}
	}
}

// BenchmarkSampleGPT2: one draw from GPT-2's vocabulary, plain and with
// top-p 0.9.
func BenchmarkSampleGPT2(b *testing.B) {
	gen := rand.New(rand.NewPCG(1, 1))
	logits := make([]float32, 50257)
	for i := range logits {
		logits[i] = float32(gen.NormFloat64() * 3)
	}
	for _, o := range []Options{{Temperature: 1}, {Temperature: 1, TopP: 0.9}} {
		b.Run(fmt.Sprintf("top_p=%g", o.TopP), func(b *testing.B) {
			s := New(o, 1)
			for range b.N {
				s.Sample(logits)
			}
		})
	}
}
