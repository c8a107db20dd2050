package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/golemml/golem/nn"
	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/tensor"
	"github.com/spf13/cobra"
)

// golem bench lstm: one training step of the seed model beside PyTorch.
var benchLSTMCmd = &cobra.Command{
	Use:   "lstm",
	Short: "ms per training step of Embedding(10000,256)→LSTM(128)→Dense(10000), batch 64, 100 steps, Adam",
	Long: `Times one training step (forward, backward, Adam) of the seed model:
Embedding(10000, 256) → LSTM(128, return_sequences) → TimeDistributed(Dense(10000,
softmax)) with sparse categorical cross-entropy, on random ids, batch 64 and
100 time steps: two warm-up steps, then --iters timed steps. The peer is
../shared/peers/torch_gpt.py lstm (the same model in PyTorch, Adam, cross
entropy on logits) run with the same --iters. ratio = peer/golem: > 1 means
golem is faster.`,
	Args: cobra.NoArgs,
	RunE: runBenchLSTM,
}

var lstmIters int

func init() {
	benchLSTMCmd.Flags().IntVar(&lstmIters, "iters", 5, "timed training steps")
	benchCmd.AddCommand(benchLSTMCmd)
}

// seedStepper builds the seed model and returns a function running one
// training step on fixed random data.
func seedStepper(batch, steps int) (func() error, error) {
	seq := nn.NewSequential(
		&nn.Embedding{InputDim: 10000, OutputDim: 256},
		&nn.LSTM{Units: 128, ReturnSequences: true},
		&nn.TimeDistributed{Layer: &nn.Dense{Units: 10000, Activation: "softmax"}},
	)
	m, err := nn.NewModel(seq, []int{steps}, 0)
	if err != nil {
		return nil, err
	}
	if err := m.Compile(optim.NewAdam(1e-3), nn.SparseCategoricalCrossentropy{}); err != nil {
		return nil, err
	}
	rng := tensor.NewRNG(1)
	x := tensor.Zeros(batch, steps)
	y := tensor.Zeros(batch, steps)
	xd, yd := x.Data(), y.Data()
	for i := range xd {
		xd[i] = float32(rng.IntN(10000))
		yd[i] = float32(rng.IntN(10000))
	}
	return func() error {
		_, err := m.TrainOnBatch(x, y)
		return err
	}, nil
}

func runBenchLSTM(cmd *cobra.Command, args []string) error {
	if lstmIters <= 0 {
		return fmt.Errorf("--iters: %d is not positive", lstmIters)
	}
	step, err := seedStepper(64, 100)
	if err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		if err := step(); err != nil {
			return err
		}
	}
	start := time.Now()
	for i := 0; i < lstmIters; i++ {
		if err := step(); err != nil {
			return err
		}
	}
	golem := float64(time.Since(start).Microseconds()) / 1e3 / float64(lstmIters)

	var peer *float64
	if !benchNoPeer {
		if p, err := runLSTMPeer(lstmIters); err != nil {
			fmt.Fprintln(os.Stderr, "golem bench lstm: peer not run:", err)
		} else {
			peer = &p
		}
	}
	r := benchResult{Bench: "lstm", Unit: "ms/step", Golem: golem, Peer: peer}
	if peer != nil {
		r.Ratio = ratio(*peer, &golem)
	}
	printBench(cmd.OutOrStdout(), r)
	return nil
}

// runLSTMPeer runs torch_gpt.py lstm and returns its ms_per_step.
func runLSTMPeer(iters int) (float64, error) {
	python, script, err := peerScript("torch_gpt.py")
	if err != nil {
		return 0, err
	}
	out, err := exec.Command(python, script, "lstm", "--iters", fmt.Sprint(iters)).Output()
	if err != nil {
		return 0, fmt.Errorf("%s lstm: %v", script, err)
	}
	var res struct {
		MS *float64 `json:"ms_per_step"`
	}
	lines := splitLines(out)
	if len(lines) == 0 {
		return 0, fmt.Errorf("%s lstm printed nothing", script)
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || res.MS == nil {
		return 0, fmt.Errorf("%s lstm: last line %q is not JSON with ms_per_step", script, lines[len(lines)-1])
	}
	return *res.MS, nil
}

func splitLines(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == '\n' {
			if i > start {
				out = append(out, string(b[start:i]))
			}
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, string(b[start:]))
	}
	return out
}
