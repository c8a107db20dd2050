package gpt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/golemml/golem/internal/atomicfile"
	"github.com/golemml/golem/safetensors"
)

// Checkpoint file names in a model directory, as Hugging Face names them.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

// Save writes the model to dir in Hugging Face's GPT-2 layout: config.json
// (GPT2Config keys, "model_type": "gpt2", "architectures":
// ["GPT2LMHeadModel"]) and model.safetensors (float32, Hugging Face names
// without the "transformer." prefix, Conv1D weights as [in, out], no
// lm_head.weight since it is tied to wte). Each file is written atomically;
// dir is created if needed.
func (m *Model) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gpt: save: %w", err)
	}
	cfg, err := json.MarshalIndent(m.Config.hf(), "", "  ")
	if err != nil {
		return fmt.Errorf("gpt: save: %w", err)
	}
	tensors := make([]safetensors.Tensor, 0, len(m.specs))
	for _, s := range m.specs {
		d := *s.data
		shape := append([]int(nil), s.shape...)
		if s.conv1d {
			d = transpose(d, s.shape[0], s.shape[1])
			shape[0], shape[1] = shape[1], shape[0]
		}
		tensors = append(tensors, safetensors.Tensor{Name: s.name, Shape: shape, Data: d})
	}
	if err := safetensors.WriteFile(filepath.Join(dir, WeightsFile), tensors, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("gpt: save: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), append(cfg, '\n')); err != nil {
		return fmt.Errorf("gpt: save: %w", err)
	}
	return nil
}

// transpose returns the (c,r) transpose of the (r,c) matrix a.
func transpose(a []float32, r, c int) []float32 {
	t := make([]float32, len(a))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t[j*r+i] = a[i*c+j]
		}
	}
	return t
}

// Load reads a model saved by Save or by Hugging Face (GPT2LMHeadModel's
// save_pretrained with safetensors): config.json and model.safetensors.
// Tensor names may carry the "transformer." prefix; the attn.bias and
// attn.masked_bias buffers and a tied lm_head.weight are ignored. Weights
// may be F32, F16 or BF16. Errors name the file, the tensor, and the
// expected and found shape.
func Load(dir string) (*Model, error) {
	cfg, err := LoadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, WeightsFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if _, e := os.Stat(filepath.Join(dir, "pytorch_model.bin")); e == nil {
			return nil, fmt.Errorf("gpt: load %s: no %s (pytorch_model.bin is not supported: convert it to safetensors)", dir, WeightsFile)
		}
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gpt: load: %w", err)
	}
	// Check every tensor against the config before allocating the model,
	// so that a config that does not match its weights fails fast.
	m := shell(cfg, 0)
	byName := map[string]*paramSpec{}
	for i := range m.specs {
		byName[m.specs[i].name] = &m.specs[i]
	}
	fileName := map[string]string{} // our name → the file's
	for _, name := range f.Names() {
		short := strings.TrimPrefix(name, "transformer.")
		s, ok := byName[short]
		if !ok {
			if strings.HasSuffix(short, ".attn.bias") || strings.HasSuffix(short, ".attn.masked_bias") || short == "lm_head.weight" {
				continue
			}
			return nil, fmt.Errorf("gpt: load %s: unexpected tensor %q for a GPT-2 with %d layers (bias %v)", path, name, cfg.NLayer, cfg.Bias)
		}
		if _, dup := fileName[short]; dup {
			return nil, fmt.Errorf("gpt: load %s: tensor %q appears twice (with and without the transformer. prefix)", path, short)
		}
		fileName[short] = name
		dtype, shape, _ := f.Info(name)
		switch dtype {
		case "F32", "F16", "BF16":
		default:
			return nil, fmt.Errorf("gpt: load %s: tensor %q has dtype %s, want F32, F16 or BF16", path, name, dtype)
		}
		if want := hfShape(s); !equalShape(shape, want) {
			return nil, fmt.Errorf("gpt: load %s: tensor %q has shape %v, want %v for config %s", path, name, shape, want, filepath.Join(dir, ConfigFile))
		}
	}
	for _, s := range m.specs {
		if _, ok := fileName[s.name]; !ok {
			return nil, fmt.Errorf("gpt: load %s: missing tensor %q (shape %v)", path, s.name, hfShape(&s))
		}
	}
	m.allocParams()
	for i := range m.specs {
		s := &m.specs[i]
		data, _, err := f.Float32(fileName[s.name])
		if err != nil {
			return nil, fmt.Errorf("gpt: load: %w", err)
		}
		if s.conv1d {
			data = transpose(data, s.shape[1], s.shape[0])
		}
		copy(*s.data, data)
	}
	return m, nil
}

// hfShape is a tensor's shape in Hugging Face's files: Conv1D weights are
// stored [in, out], the transpose of ours.
func hfShape(s *paramSpec) []int {
	want := append([]int(nil), s.shape...)
	if s.conv1d {
		want[0], want[1] = want[1], want[0]
	}
	return want
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
