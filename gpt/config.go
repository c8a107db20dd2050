package gpt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// Config is a GPT's shape, with nanoGPT's names.
type Config struct {
	NLayer    int     // transformer blocks
	NHead     int     // attention heads per block
	NEmbd     int     // width of the residual stream; NHead must divide it
	BlockSize int     // longest context (number of learned positions)
	VocabSize int     // tokens
	Dropout   float32 // dropout probability in training (attention and residual), 0 for none
	Bias      bool    // biases in Linear and LayerNorm layers (GPT-2: true)
}

// lnEps is GPT-2's LayerNorm epsilon.
const lnEps = 1e-5

// NamedConfig returns one of golem's presets:
//
//	"baby"  4 layers, 4 heads, 128 wide, block 64   (nanoGPT's CPU shakespeare_char size; VocabSize left 0 for the tokenizer to set)
//	"small" 6 layers, 6 heads, 384 wide, block 256  (nanoGPT's shakespeare_char; VocabSize left 0)
//	"gpt2"  12 layers, 12 heads, 768 wide, block 1024, vocabulary 50257 (GPT-2 124M)
//
// All have Bias true and Dropout 0.
func NamedConfig(name string) (Config, error) {
	switch name {
	case "baby":
		return Config{NLayer: 4, NHead: 4, NEmbd: 128, BlockSize: 64, Bias: true}, nil
	case "small":
		return Config{NLayer: 6, NHead: 6, NEmbd: 384, BlockSize: 256, Bias: true}, nil
	case "gpt2":
		return Config{NLayer: 12, NHead: 12, NEmbd: 768, BlockSize: 1024, VocabSize: 50257, Bias: true}, nil
	}
	return Config{}, fmt.Errorf("gpt: unknown config %q (want baby, small or gpt2)", name)
}

// Validate reports the first field out of range.
func (c Config) Validate() error {
	switch {
	case c.NLayer <= 0:
		return fmt.Errorf("gpt: config: n_layer %d must be > 0", c.NLayer)
	case c.NHead <= 0:
		return fmt.Errorf("gpt: config: n_head %d must be > 0", c.NHead)
	case c.NEmbd <= 0 || c.NEmbd%c.NHead != 0:
		return fmt.Errorf("gpt: config: n_embd %d must be > 0 and a multiple of n_head %d", c.NEmbd, c.NHead)
	case c.BlockSize <= 0:
		return fmt.Errorf("gpt: config: block_size %d must be > 0", c.BlockSize)
	case c.VocabSize <= 0:
		return fmt.Errorf("gpt: config: vocab_size %d must be > 0", c.VocabSize)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("gpt: config: dropout %v must be in [0, 1)", c.Dropout)
	}
	// Keep every buffer index within int32-safe products on 64-bit hosts.
	const limit = 1 << 40
	if float64(c.NLayer)*float64(c.NEmbd)*float64(c.NEmbd)*12 > limit || float64(c.VocabSize)*float64(c.NEmbd) > limit ||
		float64(c.BlockSize)*float64(c.NEmbd) > limit {
		return fmt.Errorf("gpt: config: model too large (n_layer %d, n_embd %d, vocab_size %d, block_size %d)",
			c.NLayer, c.NEmbd, c.VocabSize, c.BlockSize)
	}
	return nil
}

// hfConfig is the subset of Hugging Face's GPT2Config that golem reads and
// writes. Pointers tell a missing key from a zero one.
type hfConfig struct {
	ModelType         string   `json:"model_type,omitempty"`
	Architectures     []string `json:"architectures,omitempty"`
	NLayer            *int     `json:"n_layer"`
	NHead             *int     `json:"n_head"`
	NEmbd             *int     `json:"n_embd"`
	NPositions        *int     `json:"n_positions"`
	NCtx              *int     `json:"n_ctx,omitempty"`
	VocabSize         *int     `json:"vocab_size"`
	LayerNormEpsilon  *float64 `json:"layer_norm_epsilon,omitempty"`
	ActivationFunc    string   `json:"activation_function,omitempty"`
	ResidPdrop        *float64 `json:"resid_pdrop,omitempty"`
	EmbdPdrop         *float64 `json:"embd_pdrop,omitempty"`
	AttnPdrop         *float64 `json:"attn_pdrop,omitempty"`
	InitializerRange  *float64 `json:"initializer_range,omitempty"`
	TieWordEmbeddings *bool    `json:"tie_word_embeddings,omitempty"`
	Bias              *bool    `json:"bias,omitempty"` // golem's extension: false for bias-free layers
	// Read only to refuse GPT-2 variants whose maths golem's GPT does not
	// do (Stanford CRFM's Mistral checkpoints scale attention by layer).
	NInner                     *int  `json:"n_inner,omitempty"`
	ScaleAttnWeights           *bool `json:"scale_attn_weights,omitempty"`
	ScaleAttnByInverseLayerIdx *bool `json:"scale_attn_by_inverse_layer_idx,omitempty"`
	AddCrossAttention          *bool `json:"add_cross_attention,omitempty"`
}

// golemConfig is Config as golem's own JSON (nanoGPT's GPTConfig names).
type golemConfig struct {
	NLayer    *int     `json:"n_layer"`
	NHead     *int     `json:"n_head"`
	NEmbd     *int     `json:"n_embd"`
	BlockSize *int     `json:"block_size"`
	VocabSize *int     `json:"vocab_size"`
	Dropout   *float64 `json:"dropout"`
	Bias      *bool    `json:"bias"`
}

// LoadConfig reads a model configuration from a JSON file: either a
// Hugging Face GPT2Config (n_layer, n_head, n_embd, n_positions,
// vocab_size, ...) or golem's own form with nanoGPT's names (n_layer,
// n_head, n_embd, block_size, vocab_size, dropout, bias).
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("gpt: load config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("gpt: %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses the JSON that LoadConfig reads.
func ParseConfig(b []byte) (Config, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return Config{}, fmt.Errorf("config is not a JSON object: %w", err)
	}
	_, hasBlock := keys["block_size"]
	_, hasPos := keys["n_positions"]
	var c Config
	if hasBlock && !hasPos {
		var g golemConfig
		if err := strictDecode(b, &g); err != nil {
			return Config{}, err
		}
		if err := need(map[string]*int{"n_layer": g.NLayer, "n_head": g.NHead, "n_embd": g.NEmbd, "block_size": g.BlockSize, "vocab_size": g.VocabSize}); err != nil {
			return Config{}, err
		}
		c = Config{NLayer: *g.NLayer, NHead: *g.NHead, NEmbd: *g.NEmbd, BlockSize: *g.BlockSize, VocabSize: *g.VocabSize, Bias: true}
		if g.Dropout != nil {
			c.Dropout = float32(*g.Dropout)
		}
		if g.Bias != nil {
			c.Bias = *g.Bias
		}
	} else {
		var h hfConfig
		if err := strictDecode(b, &h); err != nil {
			return Config{}, err
		}
		if h.ModelType != "" && h.ModelType != "gpt2" {
			return Config{}, fmt.Errorf("model_type %q is not gpt2", h.ModelType)
		}
		if h.NPositions == nil && h.NCtx != nil {
			h.NPositions = h.NCtx
		}
		if err := need(map[string]*int{"n_layer": h.NLayer, "n_head": h.NHead, "n_embd": h.NEmbd, "n_positions": h.NPositions, "vocab_size": h.VocabSize}); err != nil {
			return Config{}, err
		}
		c = Config{NLayer: *h.NLayer, NHead: *h.NHead, NEmbd: *h.NEmbd, BlockSize: *h.NPositions, VocabSize: *h.VocabSize, Bias: true}
		if h.LayerNormEpsilon != nil && math.Abs(*h.LayerNormEpsilon-lnEps) > 1e-9 {
			return Config{}, fmt.Errorf("layer_norm_epsilon %g: golem's GPT supports only 1e-05", *h.LayerNormEpsilon)
		}
		switch h.ActivationFunc {
		case "", "gelu_new", "gelu_pytorch_tanh":
		default:
			return Config{}, fmt.Errorf("activation_function %q: golem's GPT supports only gelu_new (tanh approximation)", h.ActivationFunc)
		}
		switch {
		case h.NInner != nil && *h.NInner != 4**h.NEmbd:
			return Config{}, fmt.Errorf("n_inner %d: golem's GPT has an MLP 4·n_embd = %d wide", *h.NInner, 4**h.NEmbd)
		case h.ScaleAttnWeights != nil && !*h.ScaleAttnWeights:
			return Config{}, fmt.Errorf("scale_attn_weights false: golem's GPT scales attention by 1/sqrt(head size)")
		case h.ScaleAttnByInverseLayerIdx != nil && *h.ScaleAttnByInverseLayerIdx:
			return Config{}, fmt.Errorf("scale_attn_by_inverse_layer_idx true: golem's GPT does not scale attention by layer")
		case h.AddCrossAttention != nil && *h.AddCrossAttention:
			return Config{}, fmt.Errorf("add_cross_attention true: golem's GPT is decoder-only, without cross-attention")
		}
		if h.TieWordEmbeddings != nil && !*h.TieWordEmbeddings {
			return Config{}, fmt.Errorf("tie_word_embeddings false: golem's GPT ties lm_head to wte")
		}
		if h.ResidPdrop != nil {
			c.Dropout = float32(*h.ResidPdrop)
		}
		if h.Bias != nil {
			c.Bias = *h.Bias
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func strictDecode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

func need(fields map[string]*int) error {
	for _, k := range []string{"n_layer", "n_head", "n_embd", "block_size", "n_positions", "vocab_size"} {
		if p, ok := fields[k]; ok && p == nil {
			return fmt.Errorf("config: missing %q", k)
		}
	}
	return nil
}

// hf returns c as Hugging Face's GPT2Config JSON.
func (c Config) hf() hfConfig {
	eps, drop, initr := lnEps, float64(c.Dropout), 0.02
	tie := true
	h := hfConfig{
		ModelType: "gpt2", Architectures: []string{"GPT2LMHeadModel"},
		NLayer: &c.NLayer, NHead: &c.NHead, NEmbd: &c.NEmbd, NPositions: &c.BlockSize, NCtx: &c.BlockSize, VocabSize: &c.VocabSize,
		LayerNormEpsilon: &eps, ActivationFunc: "gelu_new",
		ResidPdrop: &drop, EmbdPdrop: &drop, AttnPdrop: &drop, InitializerRange: &initr, TieWordEmbeddings: &tie,
	}
	if !c.Bias {
		f := false
		h.Bias = &f
	}
	return h
}
