package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/sampling"
	"github.com/golemml/golem/tokenizer"
)

// This file holds what the GPT commands (train, sample, chat, score,
// quickstart) share: finding data, building tokenizers, loading a model
// folder, and streaming generated text with a stop string.

// sharedData returns the path of rel inside the shared data folder that
// sits beside the repository (../shared/data from the repository root),
// looking from the working folder and its parents.
func sharedData(rel string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		for _, c := range []string{filepath.Join(dir, "..", "shared", "data", rel), filepath.Join(dir, "shared", "data", rel)} {
			if _, err := os.Stat(c); err == nil {
				return c, nil
			}
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return "", fmt.Errorf("cannot find shared/data/%s beside the repository; pass a tokenizer folder instead", rel)
}

// newTokenizer builds the tokenizer named by spec: "char" (the characters
// of corpus), "gpt2" (GPT-2's BPE from ../shared/data/gpt2-tokenizer) or
// a folder holding tokenizer files.
func newTokenizer(spec, corpus string) (tokenizer.Tokenizer, error) {
	switch spec {
	case "":
		return nil, errors.New("--tokenizer is empty (want char, gpt2 or a folder)")
	case "char":
		return tokenizer.NewChar(corpus), nil
	case "gpt2":
		dir, err := sharedData("gpt2-tokenizer")
		if err != nil {
			return nil, fmt.Errorf("--tokenizer gpt2: %w", err)
		}
		t, err := tokenizer.LoadBPE(dir)
		if err != nil {
			return nil, fmt.Errorf("--tokenizer gpt2: %w", err)
		}
		return t, nil
	}
	st, err := os.Stat(spec)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--tokenizer %q is not char, gpt2 or a folder", spec)
	}
	t, err := tokenizer.Load(spec)
	if err != nil {
		return nil, fmt.Errorf("--tokenizer %s: %w", spec, err)
	}
	return t, nil
}

// eotOf returns the tokenizer's end-of-text id, or -1 if it has none.
func eotOf(t tokenizer.Tokenizer) int {
	if e, ok := t.(interface{ EOT() int }); ok {
		return e.EOT()
	}
	return -1
}

// encodeWarn encodes text, telling w what a character vocabulary had to
// skip (a byte-level BPE encodes every text), so that a prompt or a scored
// text is never silently cut.
func encodeWarn(w io.Writer, tok tokenizer.Tokenizer, text, what string) []int {
	ids := tok.Encode(text)
	c, ok := tok.(*tokenizer.Char)
	if !ok || len(ids) == utf8.RuneCountInString(text) {
		return ids
	}
	skipped, first, at := 0, rune(0), 0
	for off, r := range text {
		if !c.Has(r) {
			if skipped == 0 {
				first, at = r, off
			}
			skipped++
		}
	}
	fmt.Fprintf(w, "golem: warning: %s: skipped %d character(s) not in the model's vocabulary (the first: %q at byte %d)\n", what, skipped, first, at)
	return ids
}

// loadModel loads a model folder written by golem train (or a Hugging
// Face GPT-2 folder with its tokenizer files).
func loadModel(flag, dir string) (*gpt.Model, tokenizer.Tokenizer, error) {
	if dir == "" {
		return nil, nil, fmt.Errorf("%s is required (a model folder, e.g. runs/quickstart)", flag)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil, fmt.Errorf("%s %s: not a folder", flag, dir)
	}
	m, err := gpt.Load(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", flag, dir, err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", flag, dir, err)
	}
	if tok.VocabSize() > m.Config.VocabSize {
		return nil, nil, fmt.Errorf("%s %s: the tokenizer has %d ids but the model only %d", flag, dir, tok.VocabSize(), m.Config.VocabSize)
	}
	return m, tok, nil
}

// genFlags are the sampling flags of sample and chat.
type genFlags struct {
	maxTokens   int
	temperature float64
	topK        int
	topP        float64
	seed        uint64
}

func (g *genFlags) register(fs interface {
	IntVar(*int, string, int, string)
	Float64Var(*float64, string, float64, string)
	Uint64Var(*uint64, string, uint64, string)
}, maxTokens int) {
	fs.IntVar(&g.maxTokens, "max-tokens", maxTokens, "most tokens to generate")
	fs.Float64Var(&g.temperature, "temperature", 0.8, "sampling temperature (0 = greedy)")
	fs.IntVar(&g.topK, "top-k", 200, "sample from the K most likely tokens only (0 = all)")
	fs.Float64Var(&g.topP, "top-p", 0, "sample from the smallest set of tokens whose probability reaches P (0 = off)")
	fs.Uint64Var(&g.seed, "seed", 1337, "random seed of the sampler")
}

func (g *genFlags) sampler() (*sampling.Sampler, error) {
	o := sampling.Options{Temperature: g.temperature, TopK: g.topK, TopP: g.topP}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("--temperature/--top-k/--top-p: %w", err)
	}
	if g.maxTokens < 0 {
		return nil, fmt.Errorf("--max-tokens %d must be >= 0", g.maxTokens)
	}
	return sampling.New(o, g.seed), nil
}

// cropPrompt keeps the last BlockSize-1 ids, so that one new token fits.
func cropPrompt(m *gpt.Model, ids []int) []int {
	if keep := m.Config.BlockSize - 1; len(ids) > keep {
		return ids[len(ids)-keep:]
	}
	return ids
}

// stopWriter writes streamed text to w until stop appears in it. Text that
// could be the start of stop is held back until it is known not to be, so
// the stop string itself is never written.
type stopWriter struct {
	w       io.Writer
	stop    string
	pending string
	stopped bool
	text    strings.Builder // everything written
}

// write adds s and reports whether generation should go on.
func (s *stopWriter) write(t string) bool {
	if s.stopped {
		return false
	}
	s.pending += t
	if s.stop == "" {
		s.emit(s.pending)
		s.pending = ""
		return true
	}
	if i := strings.Index(s.pending, s.stop); i >= 0 {
		s.emit(s.pending[:i])
		s.pending = ""
		s.stopped = true
		return false
	}
	// Hold back the longest suffix that is a prefix of stop.
	keep := 0
	for k := min(len(s.pending), len(s.stop)-1); k > 0; k-- {
		if strings.HasSuffix(s.pending, s.stop[:k]) {
			keep = k
			break
		}
	}
	s.emit(s.pending[:len(s.pending)-keep])
	s.pending = s.pending[len(s.pending)-keep:]
	return true
}

// flush writes what is held back (generation ended without the stop).
func (s *stopWriter) flush() {
	if !s.stopped {
		s.emit(s.pending)
	}
	s.pending = ""
}

func (s *stopWriter) emit(t string) {
	if t == "" {
		return
	}
	s.text.WriteString(t)
	io.WriteString(s.w, t)
}
