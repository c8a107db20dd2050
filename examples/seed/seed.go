// Command seed builds and trains the model of the seed article:
//
//	Embedding(10000, 256) → LSTM(128, return_sequences) →
//	TimeDistributed(Dense(10000, softmax))
//
// with Adam and categorical cross-entropy, reporting accuracy.
//
//	go run ./examples/seed -summary      # Keras's summary table, then exit
//	go run ./examples/seed -epochs 2 -steps 50
//
// The article pairs this model with IMDB's sentiment labels, which cannot
// train: the model predicts one of 10000 words at every one of its 100
// steps, while a review has a single 0/1 label. The honest use of this
// architecture is a next-word language model, which is what this example
// trains: the text (-data FILE; by default ../shared/data/tinyshakespeare/
// input.txt when present) is tokenized with the Keras Tokenizer (num_words
// 10000), cut into windows of -seqlen words, and the model learns to predict
// word t+1 at every step t. The targets are word ids, so the loss is sparse
// categorical cross-entropy, which equals categorical cross-entropy against
// one-hot targets without building [batch, 100, 10000] one-hot tensors; the
// softmax and the loss run fused on the logits (see nn.Model.Compile).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/golemml/golem/nn"
	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/tensor"
	"github.com/golemml/golem/text"
)

// Config holds the example's settings; the zero values of the sizes are
// replaced by the article's (see defaults).
type Config struct {
	Data       string  // text file to train on
	Epochs     int     // default 1
	Batch      int     // default 64
	SeqLen     int     // default 100
	Steps      int     // max batches per epoch (0: all)
	Vocab      int     // Tokenizer num_words and Embedding/Dense size, default 10000
	EmbedDim   int     // default 256
	Units      int     // default 128
	LR         float64 // default 1e-3
	Seed       uint64
	MaxWindows int // cap on training windows (0: all)
	Verbose    int
	Out        io.Writer
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Epochs, 1)
	def(&c.Batch, 64)
	def(&c.SeqLen, 100)
	def(&c.Vocab, 10000)
	def(&c.EmbedDim, 256)
	def(&c.Units, 128)
	if c.LR <= 0 {
		c.LR = 1e-3
	}
	if c.Out == nil {
		c.Out = os.Stdout
	}
}

// BuildModel returns the seed model for inputs of seqLen word ids.
func BuildModel(c Config) (*nn.Model, error) {
	c.defaults()
	seq := nn.NewSequential(
		&nn.Embedding{InputDim: c.Vocab, OutputDim: c.EmbedDim},
		&nn.LSTM{Units: c.Units, ReturnSequences: true},
		&nn.TimeDistributed{Layer: &nn.Dense{Units: c.Vocab, Activation: "softmax"}},
	)
	return nn.NewModel(seq, []int{c.SeqLen}, c.Seed)
}

// DefaultData returns the default text path, or an error asking for -data.
func DefaultData() (string, error) {
	for _, p := range []string{"../shared/data/tinyshakespeare/input.txt", "../../../shared/data/tinyshakespeare/input.txt"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no training text: pass -data FILE (a plain-text file; tinyshakespeare's input.txt works well)")
}

// Windows tokenizes text with the Keras Tokenizer (num_words vocab) and
// cuts the id stream into non-overlapping windows: x = ids[i:i+T],
// y = ids[i+1:i+T+1].
func Windows(raw string, vocab, T int) (x, y *tensor.Tensor, tok *text.Tokenizer, err error) {
	lines := strings.Split(raw, "\n")
	tok = text.NewTokenizer()
	tok.NumWords = vocab
	tok.FitOnTexts(lines)
	var ids []int
	for _, s := range tok.TextsToSequences(lines) {
		ids = append(ids, s...)
	}
	n := (len(ids) - 1) / T
	if n < 1 {
		return nil, nil, nil, fmt.Errorf("text has %d in-vocabulary words, too few for one window of %d", len(ids), T)
	}
	xd, yd := make([]float32, n*T), make([]float32, n*T)
	for i := 0; i < n*T; i++ {
		xd[i], yd[i] = float32(ids[i]), float32(ids[i+1])
	}
	return tensor.FromSlice(xd, n, T), tensor.FromSlice(yd, n, T), tok, nil
}

// Train trains the seed model on the text file c.Data, printing Keras's
// per-epoch lines, and returns the history (loss, accuracy, val_loss,
// val_accuracy: the last 10% of windows are held out).
func Train(c Config) (*nn.History, error) {
	c.defaults()
	raw, err := os.ReadFile(c.Data)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	x, y, tok, err := Windows(string(raw), c.Vocab, c.SeqLen)
	if err != nil {
		return nil, fmt.Errorf("seed: %s: %w", filepath.Base(c.Data), err)
	}
	if c.MaxWindows > 0 && x.Size(0) > c.MaxWindows {
		x, y = x.Narrow(0, 0, c.MaxWindows), y.Narrow(0, 0, c.MaxWindows)
	}
	fmt.Fprintf(c.Out, "%s: %d words in the vocabulary (kept %d), %d windows of %d\n", filepath.Base(c.Data), len(tok.WordIndex), c.Vocab, x.Size(0), c.SeqLen)
	m, err := BuildModel(c)
	if err != nil {
		return nil, err
	}
	if err := m.Compile(optim.NewAdam(c.LR), nn.SparseCategoricalCrossentropy{}, "accuracy"); err != nil {
		return nil, err
	}
	return m.Fit(x, y, nn.FitOptions{
		Epochs: c.Epochs, BatchSize: c.Batch, Seed: c.Seed,
		ValidationSplit: 0.1, StepsPerEpoch: c.Steps, Verbose: c.Verbose, Output: c.Out,
	})
}
