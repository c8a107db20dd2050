package gpt

import "testing"

// TestRandomStateResumesDropout: after SetRandomState a fresh model with
// the same weights draws the same dropout masks as the original.
func TestRandomStateResumesDropout(t *testing.T) {
	cfg := Config{NLayer: 1, NHead: 2, NEmbd: 8, BlockSize: 8, VocabSize: 11, Dropout: 0.3, Bias: true}
	toks := []int{1, 2, 3, 4, 5, 6, 7, 8}
	tgts := []int{2, 3, 4, 5, 6, 7, 8, 9}
	a := New(cfg, 1)
	a.SetTraining(true)
	a.Forward(toks, 1, 8, tgts)
	st, err := a.RandomState()
	if err != nil {
		t.Fatal(err)
	}
	want := a.Forward(toks, 1, 8, tgts)
	b := New(cfg, 2)
	copy(b.params, a.params)
	b.SetTraining(true)
	if b.Forward(toks, 1, 8, tgts) == want {
		t.Fatal("different dropout streams gave the same loss; the test cannot tell them apart")
	}
	if err := b.SetRandomState(st); err != nil {
		t.Fatal(err)
	}
	if got := b.Forward(toks, 1, 8, tgts); got != want {
		t.Errorf("restored loss %v, want %v", got, want)
	}
	if err := b.SetRandomState([]byte{1}); err == nil {
		t.Error("short state accepted")
	}
}
