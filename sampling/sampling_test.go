package sampling

import (
	"math"
	"testing"
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
