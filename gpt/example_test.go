package gpt_test

import (
	"fmt"
	"os"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/sampling"
)

// Train a tiny GPT to continue a repeating sequence, save it in Hugging
// Face's layout, load it back and generate.
func Example() {
	cfg := gpt.Config{NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 16, VocabSize: 8, Bias: true}
	m := gpt.New(cfg, 1)
	seq := []int{0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0}
	x, y := seq[:16], seq[1:17]
	opt := optim.NewAdamW(1e-2)
	m.SetTraining(true)
	var loss float32
	for step := 0; step < 100; step++ {
		m.ZeroGrad()
		loss = m.Forward(x, 1, 16, y)
		m.Backward()
		opt.Step(m.Params())
	}
	fmt.Printf("loss below 0.05: %v\n", loss < 0.05)

	dir, _ := os.MkdirTemp("", "gpt")
	defer os.RemoveAll(dir)
	if err := m.Save(dir); err != nil {
		panic(err)
	}
	m2, err := gpt.Load(dir)
	if err != nil {
		panic(err)
	}
	out := m2.Generate([]int{3, 4}, 6, sampling.New(sampling.Options{}, 0), -1, nil)
	fmt.Println(out)
	// Output:
	// loss below 0.05: true
	// [5 6 7 0 1 2]
}
