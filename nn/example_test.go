package nn_test

import (
	"fmt"
	"strings"

	"github.com/golemml/golem/nn"
	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/tensor"
)

// A small classifier: build, summarize, train, evaluate.
func Example() {
	seq := nn.NewSequential(
		&nn.Dense{Units: 8, Activation: "relu"},
		&nn.Dense{Units: 1, Activation: "sigmoid"},
	)
	m, err := nn.NewModel(seq, []int{2}, 1)
	if err != nil {
		panic(err)
	}
	// Keras pads the table's lines with spaces; trimmed here so that the
	// Output comment below can show them.
	var sum strings.Builder
	m.Summary(&sum)
	for _, line := range strings.Split(strings.TrimSpace(sum.String()), "\n") {
		fmt.Println(strings.TrimRight(line, " "))
	}
	if err := m.Compile(optim.NewAdam(0.05), nn.BinaryCrossentropy{}, "accuracy"); err != nil {
		panic(err)
	}
	// Label: is x0 + x1 > 0?
	rng := tensor.NewRNG(2)
	x, y := tensor.RandN(rng, 256, 2), tensor.Zeros(256, 1)
	for i := 0; i < 256; i++ {
		if x.At(i, 0)+x.At(i, 1) > 0 {
			y.Set(1, i, 0)
		}
	}
	if _, err := m.Fit(x, y, nn.FitOptions{Epochs: 20, BatchSize: 32}); err != nil {
		panic(err)
	}
	logs, _ := m.Evaluate(x, y, 256)
	acc, _ := logs.Get("accuracy")
	fmt.Println("accuracy above 0.95:", acc > 0.95)
	// Output:
	// Model: "sequential"
	// _________________________________________________________________
	//  Layer (type)                Output Shape              Param #
	// =================================================================
	//  dense (Dense)               (None, 8)                 24
	//
	//  dense_1 (Dense)             (None, 1)                 9
	//
	// =================================================================
	// Total params: 33
	// Trainable params: 33
	// Non-trainable params: 0
	// _________________________________________________________________
	// accuracy above 0.95: true
}
