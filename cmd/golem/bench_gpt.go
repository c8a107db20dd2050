package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/sampling"
	"github.com/spf13/cobra"
)

// golem bench gpt: GPT training tokens/s (forward, backward, AdamW) at the
// peer's sizes, or batch-1 greedy decoding tokens/s at GPT-2 124M size,
// beside torch_gpt.py from the same run.
var (
	benchGPTCfg    string
	benchGPTDecode bool
	benchGPTIters  int
	benchGPTPrompt int
	benchGPTNew    int
)

var benchGPTCmd = &cobra.Command{
	Use:   "gpt",
	Short: "GPT training tokens/s (--cfg baby|small) or decoding tokens/s (--cfg gpt2 --decode) beside PyTorch",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		if benchGPTDecode {
			return benchGPTDecoding(cmd)
		}
		return benchGPTTraining(cmd)
	},
}

func init() {
	f := benchGPTCmd.Flags()
	f.StringVar(&benchGPTCfg, "cfg", "baby", "model size: baby or small (training), gpt2 (with --decode)")
	f.BoolVar(&benchGPTDecode, "decode", false, "time batch-1 greedy decoding with a KV cache instead of training")
	f.IntVar(&benchGPTIters, "iters", 0, "timed training iterations (default 30 for baby, 5 otherwise)")
	f.IntVar(&benchGPTPrompt, "prompt", 16, "prompt tokens (decode)")
	f.IntVar(&benchGPTNew, "new", 64, "new tokens (decode)")
	benchCmd.AddCommand(benchGPTCmd)
}

// gptBenchShapes are the peer's batch and vocabulary for each size.
var gptBenchShapes = map[string]struct{ batch, vocab int }{
	"baby":  {12, 65},
	"small": {16, 65},
	"gpt2":  {1, 50257},
}

func benchGPTConfig() (gpt.Config, int, error) {
	sh, ok := gptBenchShapes[benchGPTCfg]
	if !ok {
		return gpt.Config{}, 0, fmt.Errorf("--cfg %q: want baby, small or gpt2", benchGPTCfg)
	}
	cfg, err := gpt.NamedConfig(benchGPTCfg)
	if err != nil {
		return gpt.Config{}, 0, err
	}
	cfg.VocabSize = sh.vocab
	return cfg, sh.batch, nil
}

func benchGPTTraining(cmd *cobra.Command) error {
	cfg, B, err := benchGPTConfig()
	if err != nil {
		return err
	}
	iters := benchGPTIters
	if iters <= 0 {
		iters = 5
		if benchGPTCfg == "baby" {
			iters = 30
		}
	}
	T := cfg.BlockSize
	m := gpt.New(cfg, 0)
	m.SetTraining(true)
	rng := rand.New(rand.NewPCG(0, 0))
	x, y := make([]int, B*T), make([]int, B*T)
	for i := range x {
		x[i], y[i] = rng.IntN(cfg.VocabSize), rng.IntN(cfg.VocabSize)
	}
	opt := optim.NewAdamW(1e-3) // as the peer: torch.optim.AdamW(lr=1e-3), its defaults
	params := m.Params()
	step := func() {
		m.ZeroGrad()
		m.Forward(x, B, T, y)
		m.Backward()
		opt.Step(params)
	}
	for i := 0; i < 3; i++ {
		step()
	}
	start := time.Now()
	for i := 0; i < iters; i++ {
		step()
	}
	dt := time.Since(start).Seconds() / float64(iters)
	golem := float64(B*T) / dt
	r := benchResult{Bench: "gpt-train-" + benchGPTCfg, Unit: "tokens/s", Golem: golem,
		Extra: []kv{{"ms_per_iter", round3(dt * 1e3)}, {"threads", runtime.GOMAXPROCS(0)}}}
	if !benchNoPeer {
		out, err := runGPTPeer("train", "--cfg", benchGPTCfg, "--iters", strconv.Itoa(iters))
		if err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "peer:", err)
		} else if v, ok := out["tokens_per_s"].(float64); ok {
			r.Peer, r.Ratio = &v, ratio(golem, &v)
		}
	}
	printBench(cmd.OutOrStdout(), r)
	return nil
}

func benchGPTDecoding(cmd *cobra.Command) error {
	cfg, _, err := benchGPTConfig()
	if err != nil {
		return err
	}
	if benchGPTPrompt <= 0 || benchGPTNew <= 0 || benchGPTPrompt+benchGPTNew > cfg.BlockSize {
		return fmt.Errorf("--prompt %d --new %d: need both > 0 and a total within the block size %d", benchGPTPrompt, benchGPTNew, cfg.BlockSize)
	}
	m := gpt.New(cfg, 0)
	rng := rand.New(rand.NewPCG(0, 0))
	prompt := make([]int, benchGPTPrompt)
	for i := range prompt {
		prompt[i] = rng.IntN(cfg.VocabSize)
	}
	// One untimed run warms the buffers and the cache's memory.
	m.Generate(prompt, 2, nil, -1, nil)
	c := m.NewCache()
	caches := []*gpt.Cache{c}
	t0 := time.Now()
	logits := m.Step(caches, [][]int{prompt})[0]
	t1 := time.Now()
	next := []int{0}
	for i := 0; i < benchGPTNew; i++ {
		next[0] = sampling.Argmax(logits)
		logits = m.Step(caches, [][]int{next})[0]
	}
	t2 := time.Now()
	golem := float64(benchGPTNew) / t2.Sub(t1).Seconds()
	prefill := float64(benchGPTPrompt) / t1.Sub(t0).Seconds()
	r := benchResult{Bench: "gpt-decode-" + benchGPTCfg, Unit: "tokens/s", Golem: golem,
		Extra: []kv{{"prefill_tokens_per_s", round3(prefill)}, {"threads", runtime.GOMAXPROCS(0)}}}
	if !benchNoPeer {
		out, err := runGPTPeer("infer", "--cfg", benchGPTCfg, "--prompt", strconv.Itoa(benchGPTPrompt), "--new", strconv.Itoa(benchGPTNew))
		if err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "peer:", err)
		} else if v, ok := out["decode_tokens_per_s"].(float64); ok {
			r.Peer, r.Ratio = &v, ratio(golem, &v)
			if p, ok := out["prefill_tokens_per_s"].(float64); ok {
				r.Extra = append(r.Extra, kv{"peer_prefill_tokens_per_s", round3(p)})
			}
		}
	}
	printBench(cmd.OutOrStdout(), r)
	return nil
}

// runGPTPeer runs torch_gpt.py with as many threads as golem uses and
// returns its JSON line.
func runGPTPeer(args ...string) (map[string]any, error) {
	python, script, err := peerScript("torch_gpt.py")
	if err != nil {
		return nil, err
	}
	t := runtime.GOMAXPROCS(0)
	c := exec.Command(python, append(append([]string{script}, args...), "--threads", strconv.Itoa(t))...)
	c.Env = append(os.Environ(), fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", t), fmt.Sprintf("OMP_NUM_THREADS=%d", t))
	var stderr bytes.Buffer
	c.Stderr = &stderr
	outb, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", python, script, err, firstLine(stderr.Bytes()))
	}
	var out map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(outb), &out); err != nil {
		return nil, fmt.Errorf("%s output: %v", script, err)
	}
	return out, nil
}
