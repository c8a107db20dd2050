package nn

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/golemml/golem/tensor"
)

// TestInferenceRecordsNothing runs every kind of layer under the model's
// withoutGrad (what Predict and Evaluate use): the output is not part of a
// graph, and the weights need gradients again afterwards.
func TestInferenceRecordsNothing(t *testing.T) {
	rng := tensor.NewRNG(5)
	ids := tensor.FromSlice([]float32{0, 0, 3, 4, 5, 1, 2, 3, 4, 19}, 2, 5)
	cases := []struct {
		name string
		seq  *Sequential
		in   []int
		x    *tensor.Tensor
	}{
		{"recurrent", NewSequential(
			&Embedding{InputDim: 20, OutputDim: 4, MaskZero: true},
			&Bidirectional{Layer: &GRU{Units: 3, ReturnSequences: true}},
			&LSTM{Units: 3},
			&Dense{Units: 2, Activation: "softmax"},
		), []int{5}, ids},
		{"conv", NewSequential(
			&Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Padding: "same"},
			&BatchNorm{},
			&MaxPool2D{},
			&AveragePool2D{PoolSize: [2]int{2, 2}, Padding: "same", Strides: [2]int{1, 1}},
			&Flatten{},
			&Dense{Units: 3},
		), []int{6, 6, 2}, tensor.RandN(rng, 2, 6, 6, 2)},
		{"attention", NewSequential(
			&Conv1D{Filters: 4, KernelSize: 3, Padding: "same"},
			&TransformerBlock{NumHeads: 2, FF: 8, Causal: true},
			&MultiHeadAttention{NumHeads: 2, KeyDim: 2},
			&LayerNorm{},
			&GlobalAveragePooling1D{},
			&Dense{Units: 2},
		), []int{5, 3}, tensor.RandN(rng, 2, 5, 3)},
	}
	for _, c := range cases {
		m, err := NewModel(c.seq, c.in, 1)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		m.withoutGrad(func() {
			for _, p := range m.Params() {
				if p.Value.NeedsGrad() {
					t.Errorf("%s: weight %s needs grad under withoutGrad", c.name, p.Name)
				}
			}
			if y := m.Layer.Forward(c.x, false); y.NeedsGrad() || !y.IsLeaf() {
				t.Errorf("%s: inference output was recorded (needs grad %v, leaf %v)", c.name, y.NeedsGrad(), y.IsLeaf())
			}
		})
		if y := m.Layer.Forward(c.x, false); !y.NeedsGrad() {
			t.Errorf("%s: output does not need grad after withoutGrad returned", c.name)
		}
		for _, p := range m.Params() {
			if p.Trainable != p.Value.NeedsGrad() {
				t.Errorf("%s: weight %s: trainable %v but needs grad %v afterwards", c.name, p.Name, p.Trainable, p.Value.NeedsGrad())
			}
		}
	}
}

// TestPredictWhileAnotherModelTrains: Predict and Evaluate on one model in
// other goroutines do not disturb Fit on another (as a process-wide NoGrad
// would, by cutting the training graph): the trained weights are the same
// bits as those of a run alone.
func TestPredictWhileAnotherModelTrains(t *testing.T) {
	x, y := xorData(256, 1)
	train := func() []float32 {
		m := xorModel(t)
		if _, err := m.Fit(x, y, FitOptions{Epochs: 8, BatchSize: 16, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		var w []float32
		for _, p := range m.Params() {
			w = append(w, p.Value.ToSlice()...)
		}
		return w
	}
	alone := train()

	other := xorModel(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var runs atomic.Int64
	defer func() { // also when train fails
		stop.Store(true)
		wg.Wait()
	}()
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				other.Predict(x, 64).Release()
				runs.Add(1)
			}
		})
	}
	busy := train()
	stop.Store(true)
	wg.Wait()
	if runs.Load() == 0 {
		t.Fatal("no Predict ran alongside training")
	}
	if !equal(alone, busy) {
		t.Errorf("weights trained beside %d Predict calls differ from those trained alone", runs.Load())
	}

	// Evaluate as well, on the other model, with its own metrics.
	stop.Store(false)
	wg.Go(func() {
		for !stop.Load() {
			if _, err := other.Evaluate(x, y, 64); err != nil {
				t.Error(err)
				return
			}
		}
	})
	busy = train()
	stop.Store(true)
	wg.Wait()
	if !equal(alone, busy) {
		t.Error("weights trained beside Evaluate differ from those trained alone")
	}
}

// TestConcurrentPredict: goroutines calling Predict on one model at once
// (a service answering requests) get what a lone call gets, for every kind
// of layer. (CGO_ENABLED=1 go test -race ./nn checks it for data races.)
func TestConcurrentPredict(t *testing.T) {
	rng := tensor.NewRNG(5)
	ids := tensor.FromSlice([]float32{0, 0, 3, 4, 5, 1, 2, 3, 4, 19}, 2, 5)
	cases := []struct {
		seq *Sequential
		in  []int
		x   *tensor.Tensor
	}{
		{NewSequential(&Embedding{InputDim: 20, OutputDim: 4, MaskZero: true}, &Bidirectional{Layer: &GRU{Units: 3, ReturnSequences: true}}, &LSTM{Units: 3}, &Dense{Units: 2, Activation: "softmax"}), []int{5}, ids},
		{NewSequential(&Conv2D{Filters: 3, KernelSize: [2]int{3, 3}, Padding: "same"}, &BatchNorm{}, &MaxPool2D{}, &Flatten{}, &Dropout{Rate: 0.5}, &Dense{Units: 3}), []int{6, 6, 2}, tensor.RandN(rng, 2, 6, 6, 2)},
		{NewSequential(&Conv1D{Filters: 4, KernelSize: 3, Padding: "same"}, &TransformerBlock{NumHeads: 2, FF: 8, Causal: true}, &MultiHeadAttention{NumHeads: 2, KeyDim: 2}, &LayerNorm{}, &GlobalAveragePooling1D{}, &Dense{Units: 2}), []int{5, 3}, tensor.RandN(rng, 2, 5, 3)},
	}
	for i, c := range cases {
		m, err := NewModel(c.seq, c.in, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := m.Predict(c.x, 1).ToSlice()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 200 {
					if got := m.Predict(c.x, 1).ToSlice(); !equal(got, want) {
						t.Errorf("case %d: concurrent Predict %v, want %v", i, got, want)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}
