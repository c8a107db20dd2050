// Command sentiment trains a recurrent sentiment classifier on real
// labelled sentences:
//
//	Embedding(vocab, 32, mask_zero) → Bidirectional(LSTM(16)) → Dropout(0.5)
//	→ Dense(1, sigmoid)
//
// with binary cross-entropy and Adam, as a Keras user would write it.
//
// The data is ../shared/data/sentiment (-data DIR): by default the UCI
// Sentiment Labelled Sentences (imdb, amazon and yelp, 3 × 1000 lines of
// "sentence<TAB>label"), with -rt the Pang & Lee sentence polarity set
// (rt-polarity.pos / .neg, 5331 each, Latin-1). The examples are shuffled
// with a fixed seed and split 80/20; the Keras Tokenizer is fitted on the
// training part only and the sequences are padded at the front
// (pad_sequences' default) so that the mask lets the LSTM skip the padding.
// 10% of the training part is held out to pick the best epoch
// (EarlyStopping on val_loss with restore_best_weights); the test part is only used
// once, at the end.
//
//	go run ./examples/sentiment            # UCI
//	go run ./examples/sentiment -rt -json  # rt-polarity; last line is JSON
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/golemml/golem/nn"
	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/tensor"
	"github.com/golemml/golem/text"
)

// Config holds the example's settings; zero sizes take the defaults.
type Config struct {
	Dir      string // the sentiment folder
	RT       bool   // use rt-polarity instead of the UCI files
	Epochs   int    // default 8
	Batch    int    // default 32
	MaxLen   int    // padded length, default 40 (UCI) or 50 (rt)
	NumWords int    // tokenizer vocabulary cap, default 10000
	EmbedDim int    // default 32
	Units    int    // LSTM units per direction, default 16
	Seed     uint64
	Limit    int // use only the first Limit shuffled examples (0: all)
	Verbose  int
	Out      io.Writer
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Epochs, 8)
	def(&c.Batch, 32)
	if c.RT {
		def(&c.MaxLen, 50)
	} else {
		def(&c.MaxLen, 40)
	}
	def(&c.NumWords, 10000)
	def(&c.EmbedDim, 32)
	def(&c.Units, 16)
	if c.Out == nil {
		c.Out = os.Stdout
	}
}

// Example is one labelled sentence.
type Example struct {
	Text  string
	Label float32
}

// LoadUCI reads the *_labelled.txt files of dir ("sentence\tlabel" lines).
func LoadUCI(dir string) ([]Example, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_labelled.txt"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *_labelled.txt files in %s", dir)
	}
	var out []Example
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimRight(sc.Text(), "\r")
			if strings.TrimSpace(line) == "" {
				continue
			}
			i := strings.LastIndexByte(line, '\t')
			if i < 0 {
				return nil, fmt.Errorf("%s:%d: no tab before the label", f, n)
			}
			lab, err := strconv.Atoi(strings.TrimSpace(line[i+1:]))
			if err != nil || (lab != 0 && lab != 1) {
				return nil, fmt.Errorf("%s:%d: label %q is not 0 or 1", f, n, line[i+1:])
			}
			out = append(out, Example{strings.TrimSpace(line[:i]), float32(lab)})
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return out, nil
}

// latin1 decodes ISO-8859-1 bytes (each byte is its code point).
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// LoadRT reads rt-polarity/rt-polarity.pos and .neg (Latin-1, one
// sentence per line).
func LoadRT(dir string) ([]Example, error) {
	var out []Example
	for _, f := range []struct {
		name  string
		label float32
	}{{"rt-polarity.pos", 1}, {"rt-polarity.neg", 0}} {
		p := filepath.Join(dir, "rt-polarity", f.name)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(latin1(b), "\n") {
			if s := strings.TrimSpace(line); s != "" {
				out = append(out, Example{s, f.label})
			}
		}
	}
	return out, nil
}

// Result is what Run reports.
type Result struct {
	TestAccuracy float64
	Examples     int // all examples used (train + test)
	Test         int
	History      *nn.History
}

// Run loads the data, trains and returns the held-out accuracy.
func Run(c Config) (*Result, error) {
	c.defaults()
	var ex []Example
	var err error
	if c.RT {
		ex, err = LoadRT(c.Dir)
	} else {
		ex, err = LoadUCI(c.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("sentiment: %w", err)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x5e171))
	rng.Shuffle(len(ex), func(i, j int) { ex[i], ex[j] = ex[j], ex[i] })
	if c.Limit > 0 && c.Limit < len(ex) {
		ex = ex[:c.Limit]
	}
	nTrain := len(ex) * 8 / 10
	train, test := ex[:nTrain], ex[nTrain:]

	tok := text.NewTokenizer()
	tok.NumWords = c.NumWords
	tok.FitOnTexts(texts(train))
	vocab := min(len(tok.WordIndex)+1, c.NumWords)
	xTrain, yTrain := encode(tok, train, c.MaxLen)
	xTest, yTest := encode(tok, test, c.MaxLen)

	seq := nn.NewSequential(
		&nn.Embedding{InputDim: vocab, OutputDim: c.EmbedDim, MaskZero: true},
		&nn.Bidirectional{Layer: &nn.LSTM{Units: c.Units}},
		&nn.Dropout{Rate: 0.5},
		&nn.Dense{Units: 1, Activation: "sigmoid"},
	)
	m, err := nn.NewModel(seq, []int{c.MaxLen}, c.Seed)
	if err != nil {
		return nil, err
	}
	if err := m.Compile(optim.NewAdam(1e-3), nn.BinaryCrossentropy{}, "accuracy"); err != nil {
		return nil, err
	}
	if c.Verbose > 0 {
		fmt.Fprintf(c.Out, "%d train / %d test sentences, vocabulary %d, padded to %d\n", len(train), len(test), vocab, c.MaxLen)
	}
	stop := &nn.EarlyStopping{Monitor: "val_loss", Patience: 2, RestoreBestWeights: true}
	h, err := m.Fit(xTrain, yTrain, nn.FitOptions{
		Epochs: c.Epochs, BatchSize: c.Batch, Seed: c.Seed,
		ValidationSplit: 0.1, Callbacks: []nn.Callback{stop}, Verbose: c.Verbose, Output: c.Out,
	})
	if err != nil {
		return nil, err
	}
	logs, err := m.Evaluate(xTest, yTest, 256)
	if err != nil {
		return nil, err
	}
	acc, _ := logs.Get("accuracy")
	return &Result{TestAccuracy: acc, Examples: len(ex), Test: len(test), History: h}, nil
}

func texts(ex []Example) []string {
	out := make([]string, len(ex))
	for i, e := range ex {
		out[i] = e.Text
	}
	return out
}

// encode tokenizes and pads (Keras's defaults: 'pre').
func encode(tok *text.Tokenizer, ex []Example, maxLen int) (x, y *tensor.Tensor) {
	seqs := text.PadSequences(tok.TextsToSequences(texts(ex)), text.PadOptions{MaxLen: maxLen})
	xd := make([]float32, 0, len(ex)*maxLen)
	yd := make([]float32, len(ex))
	for i, s := range seqs {
		for _, id := range s {
			xd = append(xd, float32(id))
		}
		yd[i] = ex[i].Label
	}
	return tensor.FromSlice(xd, len(ex), maxLen), tensor.FromSlice(yd, len(ex), 1)
}
