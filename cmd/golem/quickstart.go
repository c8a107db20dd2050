package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/golemml/golem/sampling"
)

var quickF struct {
	data, out, config, prompt string
	duration                  time.Duration
	seed                      uint64
	samples, sampleTokens     int
	plain                     bool
}

var quickstartCmd = &cobra.Command{
	Use:   "quickstart",
	Short: "Train a small GPT for two minutes and sample from it",
	Long: `Quickstart trains a small character-level GPT (the "baby" shape: 4 layers,
4 heads, 128 wide, 64 characters of context) for --duration on the Go
standard library's own source (or on your text with --data), with a
progress bar, then prints a few samples: a model that learns to write Go.

It needs nothing but Go. The model, metrics.jsonl and loss.png go to --out;
continue from there with golem sample, chat, score, or train --resume.`,
	Example: `  go run ./cmd/golem quickstart
  go run ./cmd/golem quickstart --duration 10m --data ../shared/data/tinyshakespeare/input.txt --prompt "ROMEO:"`,
	Args: cobra.NoArgs,
	RunE: runQuickstart,
}

func init() {
	f := quickstartCmd.Flags()
	f.StringVar(&quickF.data, "data", "", "your own text (file, folder or glob) instead of the Go standard library")
	f.StringVar(&quickF.out, "out", filepath.Join("runs", "quickstart"), "output folder")
	f.StringVar(&quickF.config, "config", "baby", "model shape: baby, small or a config JSON file")
	f.DurationVar(&quickF.duration, "duration", 2*time.Minute, "how long to train")
	f.Uint64Var(&quickF.seed, "seed", 1337, "random seed")
	f.StringVar(&quickF.prompt, "prompt", "func ", "prompt of the samples printed at the end")
	f.IntVar(&quickF.samples, "samples", 2, "samples to print at the end")
	f.IntVar(&quickF.sampleTokens, "sample-tokens", 300, "tokens per sample")
	f.BoolVar(&quickF.plain, "plain", false, "print plain progress lines instead of a progress bar")
	rootCmd.AddCommand(quickstartCmd)
}

func runQuickstart(cmd *cobra.Command, _ []string) error {
	q := &quickF
	if q.duration <= 0 {
		return fmt.Errorf("--duration %s must be positive", q.duration)
	}
	if q.samples < 0 || q.sampleTokens < 0 {
		return fmt.Errorf("--samples %d and --sample-tokens %d must be >= 0", q.samples, q.sampleTokens)
	}
	// nanoGPT's CPU recipe for a character model (README, "I only have a
	// macbook"), on a clock instead of an iteration count.
	tf := &trainFlags{
		data: q.data, tok: "char", config: q.config, out: q.out,
		duration: q.duration, batch: 12, warmup: 50, gradAccum: 1,
		lr: 1e-3, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, gradClip: 1,
		evalInterval: 100, evalIters: 20, logInterval: 1, seed: q.seed, plain: q.plain,
	}
	o, err := runTraining(cmd, tf, true)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	ids := o.tok.Encode(q.prompt)
	if len(ids) == 0 {
		ids = o.tok.Encode("\n")
	}
	for i := range q.samples {
		fmt.Fprintf(out, "\n--- sample %d (temperature 0.8, top-k 40) ---\n%s", i+1, q.prompt)
		smp := sampling.New(sampling.Options{Temperature: 0.8, TopK: 40}, q.seed+uint64(i))
		generate(o.model, o.tok, ids, q.sampleTokens, smp, &stopWriter{w: out})
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "\nTrained %d steps in %s: val loss %.3f nats/char.\n", o.result.Iters, o.wall.Round(time.Second), o.result.ValLoss)
	fmt.Fprintf(out, "Model:   %s (config.json, model.safetensors, vocab_char.json)\n", q.out)
	fmt.Fprintf(out, "Metrics: %s\n", filepath.Join(q.out, "metrics.jsonl"))
	fmt.Fprintf(out, "Plot:    %s\n", filepath.Join(q.out, "loss.png"))
	fmt.Fprintf(out, "Next:    go run ./cmd/golem sample --model %s --prompt %q\n", q.out, "func main() {")
	fmt.Fprintf(out, "         go run ./cmd/golem train --out %s --resume --duration 10m   # train on, to 10 minutes in all\n", q.out)
	return nil
}
