package serve

import (
	"fmt"
	"path/filepath"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/tokenizer"
)

// gptModel adapts *gpt.Model to Model: a State is a *gpt.Cache.
type gptModel struct {
	m      *gpt.Model
	caches []*gpt.Cache
}

// FromGPT returns m as a Model. Its states are *gpt.Cache values, which
// the scheduler resets and reuses.
func FromGPT(m *gpt.Model) Model { return &gptModel{m: m} }

func (g *gptModel) ContextLen() int { return g.m.Config.BlockSize }
func (g *gptModel) NewState() State { return g.m.NewCache() }

func (g *gptModel) Step(states []State, tokens [][]int) [][]float32 {
	g.caches = g.caches[:0]
	for _, s := range states {
		g.caches = append(g.caches, s.(*gpt.Cache))
	}
	return g.m.Step(g.caches, tokens)
}

// eotOf returns the tokenizer's end-of-text id, or -1 when it has none.
func eotOf(t tokenizer.Tokenizer) int {
	if e, ok := t.(interface{ EOT() int }); ok {
		return e.EOT()
	}
	return -1
}

// ForGPT returns a Config serving m with tok: the end-of-text token comes
// from the tokenizer (GPT-2's <|endoftext|>; a character tokenizer has
// none) and the chat template is DefaultTemplate.
func ForGPT(m *gpt.Model, tok tokenizer.Tokenizer) (Config, error) {
	if v := tok.VocabSize(); v > m.Config.VocabSize {
		return Config{}, fmt.Errorf("serve: the tokenizer has %d tokens but the model only %d", v, m.Config.VocabSize)
	}
	return Config{Model: FromGPT(m), Tokenizer: tok, EOT: eotOf(tok)}, nil
}

// LoadDir loads a model folder: the model (gpt.Load: config.json and
// model.safetensors), its tokenizer (tokenizer.Load) and its chat template
// (chat_template.txt, else DefaultTemplate). The model's id is the
// folder's name. Other Config fields are left for the caller.
func LoadDir(dir string) (Config, error) {
	m, err := gpt.Load(dir)
	if err != nil {
		return Config{}, err
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return Config{}, err
	}
	cfg, err := ForGPT(m, tok)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", dir, err)
	}
	if cfg.Template, err = LoadTemplate(dir); err != nil {
		return Config{}, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Config{}, err
	}
	cfg.Name = filepath.Base(abs)
	return cfg, nil
}
