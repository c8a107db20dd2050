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

// counter returns a tiny GPT trained to continue 0, 1, ..., 7, 0, 1, ...
func counter() *gpt.Model {
	cfg := gpt.Config{NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 16, VocabSize: 8, Bias: true}
	m := gpt.New(cfg, 1)
	seq := []int{0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0}
	opt := optim.NewAdamW(1e-2)
	m.SetTraining(true)
	for step := 0; step < 100; step++ {
		m.ZeroGrad()
		m.Forward(seq[:16], 1, 16, seq[1:17])
		m.Backward()
		opt.Step(m.Params())
	}
	m.SetTraining(false)
	return m
}

// Continue several prompts in one batch: each step reads the weights once
// for all of them.
func ExampleModel_GenerateBatch() {
	m := counter()
	out := m.GenerateBatch([][]int{{1, 2}, {5}, {7, 0, 1}}, 4, nil, -1, nil)
	fmt.Println(out)
	// Output:
	// [[3 4 5 6] [6 7 0 1] [2 3 4 5]]
}

// A Session keeps its cache between calls: the second call's prompt starts
// with the first call's prompt and reply, which are not fed again.
func ExampleSession() {
	m := counter()
	se := m.NewSession()
	turn1 := []int{0, 1}
	reply := se.Generate(turn1, 3, nil, -1, nil)
	fmt.Println(reply)
	turn2 := append(append(turn1, reply...), 5, 6)
	fmt.Println(se.Generate(turn2, 3, nil, -1, nil))
	// Output:
	// [2 3 4]
	// [7 0 1]
}
