package nn

import (
	"testing"

	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/tensor"
)

// BenchmarkSeedStep times one training step of the seed model (batch 64,
// 100 steps), as `golem bench lstm`.
func BenchmarkSeedStep(b *testing.B) {
	seq := NewSequential(
		&Embedding{InputDim: 10000, OutputDim: 256},
		&LSTM{Units: 128, ReturnSequences: true},
		&TimeDistributed{Layer: &Dense{Units: 10000, Activation: "softmax"}},
	)
	m, err := NewModel(seq, []int{100}, 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(optim.NewAdam(1e-3), SparseCategoricalCrossentropy{}); err != nil {
		b.Fatal(err)
	}
	rng := tensor.NewRNG(1)
	x, y := tensor.Zeros(64, 100), tensor.Zeros(64, 100)
	for i := range x.Data() {
		x.Data()[i] = float32(rng.IntN(10000))
		y.Data()[i] = float32(rng.IntN(10000))
	}
	for i := 0; i < b.N+1; i++ {
		if i == 1 {
			b.ResetTimer()
		}
		if _, err := m.TrainOnBatch(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredictLSTM times Predict on a sentiment-sized LSTM classifier
// (256 sequences of 80 tokens, batches of 64).
func BenchmarkPredictLSTM(b *testing.B) {
	seq := NewSequential(
		&Embedding{InputDim: 1000, OutputDim: 64},
		&LSTM{Units: 128},
		&Dense{Units: 1, Activation: "sigmoid"},
	)
	m, err := NewModel(seq, []int{80}, 0)
	if err != nil {
		b.Fatal(err)
	}
	rng := tensor.NewRNG(1)
	x := tensor.Zeros(256, 80)
	for i := range x.Data() {
		x.Data()[i] = float32(rng.IntN(1000))
	}
	m.Predict(x, 64).Release()
	b.ResetTimer()
	for range b.N {
		m.Predict(x, 64).Release()
	}
}
