package gpt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gpt2Config is Hugging Face's config.json of openai-community/gpt2.
const gpt2Config = `{
  "activation_function": "gelu_new",
  "architectures": ["GPT2LMHeadModel"],
  "attn_pdrop": 0.1,
  "bos_token_id": 50256,
  "embd_pdrop": 0.1,
  "eos_token_id": 50256,
  "initializer_range": 0.02,
  "layer_norm_epsilon": 1e-05,
  "model_type": "gpt2",
  "n_ctx": 1024,
  "n_embd": 768,
  "n_head": 12,
  "n_layer": 12,
  "n_positions": 1024,
  "resid_pdrop": 0.1,
  "summary_activation": null,
  "summary_first_dropout": 0.1,
  "summary_proj_to_labels": true,
  "summary_type": "cls_index",
  "summary_use_proj": true,
  "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
  "vocab_size": 50257
}`

func TestLoadConfig(t *testing.T) {
	gpt2, _ := NamedConfig("gpt2")
	gpt2.Dropout = 0.1
	cases := []struct {
		name, json string
		want       Config
		err        string
	}{
		{"hugging face gpt2", gpt2Config, gpt2, ""},
		{"golem", `{"n_layer":4,"n_head":4,"n_embd":128,"block_size":64,"vocab_size":65,"dropout":0.2,"bias":false}`,
			Config{NLayer: 4, NHead: 4, NEmbd: 128, BlockSize: 64, VocabSize: 65, Dropout: 0.2}, ""},
		{"n_ctx only", `{"n_layer":1,"n_head":1,"n_embd":8,"n_ctx":16,"vocab_size":5}`, Config{NLayer: 1, NHead: 1, NEmbd: 8, BlockSize: 16, VocabSize: 5, Bias: true}, ""},
		{"missing vocab", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16}`, Config{}, `missing "vocab_size"`},
		{"other model", `{"model_type":"llama","n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5}`, Config{}, "llama"},
		{"other eps", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5,"layer_norm_epsilon":1e-6}`, Config{}, "layer_norm_epsilon"},
		{"other activation", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5,"activation_function":"relu"}`, Config{}, "relu"},
		{"n_inner", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5,"n_inner":24}`, Config{}, "n_inner 24"},
		{"n_inner 4x", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5,"n_inner":32,"scale_attn_weights":true,"scale_attn_by_inverse_layer_idx":false,"reorder_and_upcast_attn":false}`,
			Config{NLayer: 1, NHead: 1, NEmbd: 8, BlockSize: 16, VocabSize: 5, Bias: true}, ""},
		{"unscaled attention", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5,"scale_attn_weights":false}`, Config{}, "scale_attn_weights"},
		{"attention by layer", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5,"scale_attn_by_inverse_layer_idx":true}`, Config{}, "scale_attn_by_inverse_layer_idx"},
		{"cross attention", `{"n_layer":1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5,"add_cross_attention":true}`, Config{}, "add_cross_attention"},
		{"heads do not divide", `{"n_layer":1,"n_head":3,"n_embd":8,"n_positions":16,"vocab_size":5}`, Config{}, "n_head 3"},
		{"negative", `{"n_layer":-1,"n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5}`, Config{}, "n_layer -1"},
		{"string field", `{"n_layer":"12","n_head":1,"n_embd":8,"n_positions":16,"vocab_size":5}`, Config{}, "n_layer"},
		{"not an object", `[1,2]`, Config{}, "JSON object"},
		{"dropout 1", `{"n_layer":1,"n_head":1,"n_embd":8,"block_size":16,"vocab_size":5,"dropout":1}`, Config{}, "dropout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			os.WriteFile(path, []byte(tc.json), 0o644)
			got, err := LoadConfig(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want one naming %s and %q", err, path, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNamedConfig(t *testing.T) {
	for _, name := range []string{"baby", "small", "gpt2"} {
		c, err := NamedConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		if c.VocabSize == 0 {
			c.VocabSize = 65
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// GPT-2's count: V·C + T·C + L·(12C² + 13C) + 2C, which is 124,439,808
	// for the 124M model.
	count := func(c Config) int {
		return c.VocabSize*c.NEmbd + c.BlockSize*c.NEmbd + c.NLayer*(12*c.NEmbd*c.NEmbd+13*c.NEmbd) + 2*c.NEmbd
	}
	if g, _ := NamedConfig("gpt2"); count(g) != 124439808 {
		t.Fatalf("formula gives %d for GPT-2", count(g))
	}
	small := Config{NLayer: 3, NHead: 2, NEmbd: 12, BlockSize: 9, VocabSize: 17, Bias: true}
	if n := New(small, 0).NumParams(); n != count(small) {
		t.Errorf("NumParams %d, want %d", n, count(small))
	}
	if _, err := NamedConfig("huge"); err == nil {
		t.Error("no error for an unknown name")
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(gpt2Config))
	f.Add([]byte(`{"n_layer":4,"n_head":4,"n_embd":128,"block_size":64,"vocab_size":65}`))
	f.Add([]byte(`{"n_layer":1e30}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("ParseConfig accepted an invalid config: %v", err)
			}
		}
	})
}
