package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/tokenizer"
	"github.com/golemml/golem/train"
)

// trainFlags are golem train's flags; quickstart fills the same struct.
type trainFlags struct {
	data, tok, config, out, initFrom               string
	iters, batch, block, warmup, gradAccum         int
	evalInterval, evalIters, logInterval, lrDecay  int
	lr, minLR, beta1, beta2, weightDecay, gradClip float64
	dropout                                        float64
	seed                                           uint64
	resume, plain                                  bool
	duration                                       time.Duration
	changed                                        func(name string) bool
}

var trainF trainFlags

var trainCmd = &cobra.Command{
	Use:   "train",
	Short: "Train (or fine-tune) a GPT on text",
	Long: `Train trains a GPT on the text at --data (a file, a folder of text files
or a glob), as nanoGPT's train.py: the first 90% of the tokens train, the
last 10% validate; AdamW (weight decay on 2-D weights only) with a linear
warmup then a cosine decay to --min-lr; gradient clipping at --grad-clip;
--grad-accum micro-batches per step; every --eval-interval steps the mean
validation loss over --eval-iters batches, then a checkpoint.

The output folder --out holds the model in Hugging Face's layout
(config.json, model.safetensors) with the tokenizer's files, so golem
sample, chat, score and serve load it directly; metrics.jsonl (one JSON
object per step: iter, train_loss, lr, tokens_per_s, and val_loss on
evaluation steps); loss.png; and train_state.safetensors, from which
--resume continues the run exactly as if it had not stopped (Ctrl-C saves
a checkpoint first). --init-from fine-tunes a trained model folder with
its own tokenizer.`,
	Example: `  golem train --data ../shared/data/tinyshakespeare/input.txt --tokenizer char --config baby \
      --iters 2000 --batch 12 --lr 1e-3 --min-lr 1e-4 --warmup 100 --beta2 0.99 --dropout 0 --out out/shakespeare
  golem train --out out/shakespeare --resume --iters 3000
  golem train --init-from out/shakespeare --data my-plays/ --iters 200 --lr 1e-4 --out out/mine`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		trainF.changed = cmd.Flags().Changed
		_, err := runTraining(cmd, &trainF, false)
		return err
	},
}

func init() {
	f := trainCmd.Flags()
	t := &trainF
	d := train.Defaults()
	f.StringVar(&t.data, "data", "", "training text: a file, a folder or a glob (required unless --resume)")
	f.StringVar(&t.tok, "tokenizer", "char", "char, gpt2 (../shared/data/gpt2-tokenizer) or a tokenizer folder")
	f.StringVar(&t.config, "config", "", "model shape: baby, small, gpt2 or a config JSON file (required for a new model)")
	f.StringVar(&t.out, "out", "", "output folder (required)")
	f.StringVar(&t.initFrom, "init-from", "", "fine-tune this model folder instead of starting from scratch")
	f.IntVar(&t.iters, "iters", d.Iters, "optimizer steps")
	f.DurationVar(&t.duration, "duration", 0, "train for this long instead of --iters (e.g. 10m)")
	f.IntVar(&t.batch, "batch", d.Batch, "sequences per micro-batch")
	f.IntVar(&t.block, "block", 0, "tokens per sequence (default: the model's block size)")
	f.Float64Var(&t.lr, "lr", d.LR, "peak learning rate")
	f.Float64Var(&t.minLR, "min-lr", 0, "learning rate at the end of the cosine decay (default: lr/10)")
	f.IntVar(&t.warmup, "warmup", d.Warmup, "linear warmup steps")
	f.IntVar(&t.lrDecay, "lr-decay-iters", 0, "step where the cosine decay reaches min-lr (default: iters)")
	f.Float64Var(&t.beta1, "beta1", d.Beta1, "AdamW beta1")
	f.Float64Var(&t.beta2, "beta2", d.Beta2, "AdamW beta2")
	f.Float64Var(&t.weightDecay, "weight-decay", d.WeightDecay, "AdamW weight decay (2-D weights only)")
	f.Float64Var(&t.gradClip, "grad-clip", d.GradClip, "clip the global gradient norm to this (0: off)")
	f.Float64Var(&t.dropout, "dropout", 0, "dropout probability while training")
	f.IntVar(&t.gradAccum, "grad-accum", d.GradAccum, "micro-batches per optimizer step")
	f.IntVar(&t.evalInterval, "eval-interval", d.EvalInterval, "evaluate and checkpoint every N steps")
	f.IntVar(&t.evalIters, "eval-iters", d.EvalIters, "validation batches per evaluation")
	f.IntVar(&t.logInterval, "log-interval", d.LogInterval, "write a metrics record every N steps")
	f.Uint64Var(&t.seed, "seed", d.Seed, "random seed (initialization and batches)")
	f.BoolVar(&t.resume, "resume", false, "continue the run saved in --out")
	f.BoolVar(&t.plain, "plain", false, "print plain progress lines instead of a progress bar")
	rootCmd.AddCommand(trainCmd)
}

// trainOutcome is what a finished training run hands back.
type trainOutcome struct {
	model  *gpt.Model
	tok    tokenizer.Tokenizer
	result train.Result
	wall   time.Duration
}

// runTraining sets up the model, tokenizer, data and trainer from tf and
// trains. With quick (quickstart) a missing --data means the Go standard
// library's source and an existing run in --out is replaced.
func runTraining(cmd *cobra.Command, tf *trainFlags, quick bool) (*trainOutcome, error) {
	changed := tf.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	errw := cmd.ErrOrStderr()
	if tf.out == "" {
		return nil, errors.New("--out is required (the folder for the model, metrics and plot)")
	}
	statePath := filepath.Join(tf.out, train.StateFile)
	opts := train.Defaults()
	var (
		m       *gpt.Model
		tok     tokenizer.Tokenizer
		cfg     gpt.Config
		text    string
		dataSrc = tf.data
		tokSpec = tf.tok
		saved   *train.State
	)
	readData := func() error {
		// quickstart's default corpus; also when resuming a quickstart run
		if dataSrc == "" && (quick || saved != nil) {
			root, err := train.GoRoot()
			if err != nil {
				return err
			}
			t, files, err := train.GoSource(root, 3<<20)
			if err != nil {
				return err
			}
			fmt.Fprintf(errw, "data: %d files of the Go standard library under %s (%.1f MB)\n", len(files), filepath.Join(root, "src"), float64(len(t))/1e6)
			text = t
			return nil
		}
		if dataSrc == "" {
			return errors.New("--data is required (a text file, a folder or a glob)")
		}
		t, files, err := train.ReadText(dataSrc)
		if err != nil {
			return fmt.Errorf("--data: %w", err)
		}
		fmt.Fprintf(errw, "data: %s: %d file(s), %.2f MB\n", dataSrc, len(files), float64(len(t))/1e6)
		text = t
		return nil
	}

	switch {
	case tf.resume:
		if tf.initFrom != "" {
			return nil, errors.New("--resume and --init-from both given; use one")
		}
		s, err := train.ReadState(statePath)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--resume: %s holds no training state (%s): nothing to resume", tf.out, train.StateFile)
		}
		if err != nil {
			return nil, fmt.Errorf("--resume: %w", err)
		}
		saved = s
		if err := json.Unmarshal([]byte(s.Meta["gpt_config"]), &cfg); err != nil {
			return nil, fmt.Errorf("--resume: %s: model config: %w", statePath, err)
		}
		if err := json.Unmarshal([]byte(s.Options), &opts); err != nil {
			return nil, fmt.Errorf("--resume: %s: options: %w", statePath, err)
		}
		if !changed("data") {
			dataSrc = s.Meta["data"]
		}
		tokSpec = s.Meta["tokenizer"]
		if tok, err = tokenizer.Load(tf.out); err != nil {
			return nil, fmt.Errorf("--resume: %w", err)
		}
		if changed("dropout") {
			cfg.Dropout = float32(tf.dropout)
		}
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("--resume: %s: %w", statePath, err)
		}
		if err := readData(); err != nil {
			return nil, err
		}
		m = gpt.New(cfg, opts.Seed)
	case tf.initFrom != "":
		if changed("config") || changed("tokenizer") {
			return nil, errors.New("--init-from takes the model shape and tokenizer of the loaded model; drop --config and --tokenizer")
		}
		var err error
		if m, tok, err = loadModel("--init-from", tf.initFrom); err != nil {
			return nil, err
		}
		if changed("dropout") {
			m.Config.Dropout = float32(tf.dropout)
		}
		cfg, tokSpec = m.Config, tf.initFrom
		if err := readData(); err != nil {
			return nil, err
		}
	default:
		if tf.config == "" {
			return nil, errors.New("--config is required for a new model (baby, small, gpt2 or a config JSON file); or use --init-from / --resume")
		}
		var err error
		if st, e := os.Stat(tf.config); e == nil && !st.IsDir() {
			cfg, err = gpt.LoadConfig(tf.config)
		} else {
			cfg, err = gpt.NamedConfig(tf.config)
		}
		if err != nil {
			return nil, fmt.Errorf("--config: %w", err)
		}
		if err := readData(); err != nil {
			return nil, err
		}
		if tok, err = newTokenizer(tf.tok, text); err != nil {
			return nil, err
		}
		if cfg.VocabSize == 0 {
			cfg.VocabSize = tok.VocabSize()
		}
		if cfg.VocabSize < tok.VocabSize() {
			return nil, fmt.Errorf("--config: vocab_size %d is smaller than the tokenizer's %d ids", cfg.VocabSize, tok.VocabSize())
		}
		if changed("block") && tf.block > 0 {
			cfg.BlockSize = tf.block
		}
		cfg.Dropout = float32(tf.dropout)
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("--config/--block/--dropout: %w", err)
		}
	}

	// Options: on resume the saved run's, overridden by the flags given;
	// otherwise the flags.
	set := func(name string) bool { return saved == nil || changed(name) }
	if set("iters") {
		opts.Iters = tf.iters
	}
	if set("duration") {
		opts.Duration = tf.duration
		if tf.duration > 0 && !changed("iters") {
			opts.Iters = 0
		}
	}
	if set("batch") {
		opts.Batch = tf.batch
	}
	if set("block") {
		opts.Block = tf.block
	}
	if opts.Block == 0 {
		opts.Block = cfg.BlockSize
	}
	if opts.Block > cfg.BlockSize {
		return nil, fmt.Errorf("--block %d is longer than the model's block size %d", opts.Block, cfg.BlockSize)
	}
	if set("lr") {
		opts.LR = tf.lr
	}
	if set("min-lr") || (saved != nil && changed("lr")) {
		opts.MinLR = tf.minLR
		if !changed("min-lr") {
			opts.MinLR = opts.LR / 10
		}
	}
	for _, o := range []struct {
		name string
		dst  *int
		src  int
	}{{"warmup", &opts.Warmup, tf.warmup}, {"lr-decay-iters", &opts.LRDecayIters, tf.lrDecay}, {"grad-accum", &opts.GradAccum, tf.gradAccum},
		{"eval-interval", &opts.EvalInterval, tf.evalInterval}, {"eval-iters", &opts.EvalIters, tf.evalIters}, {"log-interval", &opts.LogInterval, tf.logInterval}} {
		if set(o.name) {
			*o.dst = o.src
		}
	}
	for _, o := range []struct {
		name string
		dst  *float64
		src  float64
	}{{"beta1", &opts.Beta1, tf.beta1}, {"beta2", &opts.Beta2, tf.beta2}, {"weight-decay", &opts.WeightDecay, tf.weightDecay}, {"grad-clip", &opts.GradClip, tf.gradClip}} {
		if set(o.name) {
			*o.dst = o.src
		}
	}
	if set("seed") {
		opts.Seed = tf.seed
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("--%w", err)
	}
	if !tf.resume && !quick {
		if _, err := os.Stat(statePath); err == nil {
			return nil, fmt.Errorf("--out %s already holds a training run (%s): pass --resume to continue it, or choose another --out", tf.out, train.StateFile)
		}
	}
	if m == nil {
		m = gpt.New(cfg, opts.Seed)
	}

	// Training text may mark document boundaries with <|endoftext|>.
	var ids []int
	if sp, ok := tok.(interface{ EncodeWithSpecial(string) []int }); ok {
		ids = sp.EncodeWithSpecial(text)
	} else {
		ids = encodeWarn(errw, tok, text, "--data")
	}
	trainIDs, valIDs := train.Split(ids, 0.9)
	cfgJSON, _ := json.Marshal(cfg)
	tr := &train.Trainer{
		Model: m, Train: trainIDs, Val: valIDs, Options: opts, Out: tf.out,
		Save: func(dir string) error {
			if err := m.Save(dir); err != nil {
				return err
			}
			return tok.Save(dir)
		},
		Meta:     map[string]string{"gpt_config": string(cfgJSON), "tokenizer": tokSpec, "data": dataSrc},
		Progress: errw,
	}
	if f, ok := errw.(*os.File); ok && !tf.plain && term.IsTerminal(int(f.Fd())) {
		tr.Terminal = true
	}
	if saved != nil {
		if err := tr.Resume(); err != nil {
			return nil, err
		}
		if opts.Iters > 0 && tr.Iter() >= opts.Iters {
			return nil, fmt.Errorf("--resume: the run in %s already did %d steps (--iters %d): pass a larger --iters", tf.out, tr.Iter(), opts.Iters)
		}
		if opts.Iters == 0 && tr.Elapsed() >= opts.Duration {
			return nil, fmt.Errorf("--resume: the run in %s already trained for %s (--duration %s, counted from its start): pass a longer --duration", tf.out, tr.Elapsed().Round(time.Second), opts.Duration)
		}
		fmt.Fprintf(errw, "resuming %s at step %d\n", tf.out, tr.Iter())
	}
	if err := os.MkdirAll(tf.out, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(errw, "model: %.2fM parameters (%d layers, %d heads, %d wide, block %d, vocab %d, dropout %g)\n",
		float64(m.NumParams())/1e6, cfg.NLayer, cfg.NHead, cfg.NEmbd, cfg.BlockSize, cfg.VocabSize, cfg.Dropout)
	fmt.Fprintf(errw, "tokens: %d (%d train, %d val); %d per step (batch %d x block %d x accum %d)\n",
		len(ids), len(trainIDs), len(valIDs), opts.Batch*opts.Block*opts.GradAccum, opts.Batch, opts.Block, opts.GradAccum)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	res, err := tr.Run(ctx)
	wall := time.Since(start)
	if err != nil {
		return nil, err
	}
	if res.Stopped {
		fmt.Fprintf(errw, "interrupted at step %d; checkpoint saved: continue with --resume --out %s\n", res.Iters, tf.out)
	} else {
		printTrainSummary(errw, tf.out, res, wall)
	}
	return &trainOutcome{model: m, tok: tok, result: res, wall: wall}, nil
}

func printTrainSummary(w io.Writer, out string, res train.Result, wall time.Duration) {
	fmt.Fprintf(w, "done: %d steps in %s; train loss %.4f, val loss %.4f (best %.4f)\n",
		res.Iters, wall.Round(time.Second), res.TrainLoss, res.ValLoss, res.BestVal)
	fmt.Fprintf(w, "model:   %s\nmetrics: %s\nplot:    %s\n", out, filepath.Join(out, "metrics.jsonl"), filepath.Join(out, "loss.png"))
}
