package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/optim"
)

//go:embed bench_optim_peer.py
var optimPeerScript []byte

// golem bench optim: milliseconds per optimizer step on one parameter of n
// values, golem beside torch.optim.
var benchOptimCmd = &cobra.Command{
	Use:   "optim",
	Short: "Optimizer step time (AdamW, Adam, SGD, RMSProp, Adagrad) beside torch.optim",
	Long: `Times one optimizer step over a float32 parameter of --n values (gradient
fixed), the median of --iters steps after two warm-up steps, for each thread
count. The peer runs torch.optim's default CPU path (one tensor at a time)
with torch.set_num_threads. The ratio is peer/golem time: > 1 means golem is
faster.`,
	Args: cobra.NoArgs,
	RunE: runBenchOptim,
}

var benchOptimFlags struct {
	optims  string
	n       int
	iters   int
	threads string
}

func init() {
	f := benchOptimCmd.Flags()
	f.StringVar(&benchOptimFlags.optims, "optim", "adamw", "comma-separated optimizers: adamw, adam, sgd, rmsprop, adagrad")
	f.IntVar(&benchOptimFlags.n, "n", 10_000_000, "parameter values")
	f.IntVar(&benchOptimFlags.iters, "iters", 10, "timed steps")
	f.StringVar(&benchOptimFlags.threads, "threads", "1,2", "comma-separated thread counts")
	benchCmd.AddCommand(benchOptimCmd)
}

func newBenchOptimizer(name string) (optim.Optimizer, error) {
	switch name {
	case "adamw":
		return optim.NewAdamW(1e-3), nil
	case "adam":
		return optim.NewAdam(1e-3), nil
	case "sgd":
		o := optim.NewSGD(1e-2)
		o.Momentum = 0.9
		return o, nil
	case "rmsprop":
		return optim.NewRMSProp(1e-3), nil
	case "adagrad":
		return optim.NewAdagrad(1e-3), nil
	}
	return nil, fmt.Errorf("--optim: unknown optimizer %q (want adamw, adam, sgd, rmsprop or adagrad)", name)
}

func runBenchOptim(cmd *cobra.Command, args []string) error {
	fl := benchOptimFlags
	if fl.n <= 0 {
		return fmt.Errorf("--n: %d is not positive", fl.n)
	}
	if fl.iters <= 0 {
		return fmt.Errorf("--iters: %d is not positive", fl.iters)
	}
	threads, err := parseInts("threads", fl.threads)
	if err != nil {
		return err
	}
	var names []string
	for _, s := range strings.Split(fl.optims, ",") {
		if s = strings.TrimSpace(strings.ToLower(s)); s != "" {
			if _, err := newBenchOptimizer(s); err != nil {
				return err
			}
			names = append(names, s)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("--optim: empty list")
	}
	defer kernels.SetThreads(0)

	var python, script string
	peerOK := !benchNoPeer
	if peerOK {
		if python, script, err = optimPeer(); err != nil {
			fmt.Fprintln(os.Stderr, "golem bench optim: peer not run:", err)
			peerOK = false
		} else {
			defer os.RemoveAll(filepath.Dir(script))
		}
	}

	r := rand.New(rand.NewPCG(1, 2))
	p := &optim.Param{Name: "w", Data: make([]float32, fl.n), Grad: make([]float32, fl.n), Decay: true}
	for i := range p.Data {
		p.Data[i] = float32(r.NormFloat64())
		p.Grad[i] = float32(r.NormFloat64()) * 0.01
	}
	params := []*optim.Param{p}
	for _, name := range names {
		for _, t := range threads {
			kernels.SetThreads(t)
			opt, _ := newBenchOptimizer(name)
			opt.Step(params)
			opt.Step(params)
			times := make([]float64, fl.iters)
			for i := range times {
				start := time.Now()
				opt.Step(params)
				times[i] = time.Since(start).Seconds() * 1e3
			}
			slices.Sort(times)
			golem := times[len(times)/2]
			res := benchResult{Bench: "optim", Unit: "ms/step", Golem: golem,
				Extra: []kv{{"optim", name}, {"n", fl.n}, {"threads", t}}}
			if peerOK {
				peer, err := runOptimPeer(python, script, name, fl.n, fl.iters, t)
				if err != nil {
					fmt.Fprintln(os.Stderr, "golem bench optim: peer not run:", err)
					peerOK = false
				} else {
					res.Peer = &peer
					res.Ratio = ratio(peer, &golem)
				}
			}
			printBench(cmd.OutOrStdout(), res)
		}
	}
	return nil
}

// optimPeer writes the embedded peer script to a temporary folder and
// returns the python to run it with.
func optimPeer() (python, script string, err error) {
	python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		return "", "", fmt.Errorf("peer needs %s", python)
	}
	if out, err := exec.Command(python, "-c", "import torch").CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("peer needs PyTorch (apt-get install -y python3-torch libopenblas0-pthread): %s", firstLine(out))
	}
	dir, err := os.MkdirTemp("", "golem-bench-optim-")
	if err != nil {
		return "", "", err
	}
	script = filepath.Join(dir, "bench_optim_peer.py")
	if err := os.WriteFile(script, optimPeerScript, 0o644); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return python, script, nil
}

func runOptimPeer(python, script, name string, n, iters, threads int) (float64, error) {
	c := exec.Command(python, script, "--optim", name, "--n", strconv.Itoa(n),
		"--iters", strconv.Itoa(iters), "--threads", strconv.Itoa(threads))
	t := strconv.Itoa(threads)
	c.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t)
	out, err := c.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return 0, fmt.Errorf("%s: %v: %s", script, err, firstLine(ee.Stderr))
		}
		return 0, err
	}
	var res struct {
		MS *float64 `json:"ms"`
	}
	if err := json.Unmarshal(out, &res); err != nil || res.MS == nil {
		return 0, fmt.Errorf("%s: unexpected output %q", script, firstLine(out))
	}
	return *res.MS, nil
}
