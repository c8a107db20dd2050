package gpt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/golemml/golem/internal/atomicfile"
	"github.com/golemml/golem/safetensors"
)

// Checkpoint file names in a model directory, as Hugging Face names them.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
	// WeightsIndexFile lists the shards of weights too large for one file
	// (save_pretrained's max_shard_size): {"weight_map": {tensor: file}}.
	WeightsIndexFile = "model.safetensors.index.json"
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
// save_pretrained with safetensors): config.json and model.safetensors, or
// the shards that model.safetensors.index.json lists. Tensor names may
// carry the "transformer." prefix; the attn.bias and attn.masked_bias
// buffers and a tied lm_head.weight are ignored. Weights may be F32, F16 or
// BF16. Errors name the file, the tensor, and the expected and found shape.
func Load(dir string) (*Model, error) {
	cfg, err := LoadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, err
	}
	ws, err := openWeights(dir)
	if err != nil {
		return nil, err
	}
	// Check every tensor against the config before allocating the model,
	// so that a config that does not match its weights fails fast.
	m := shell(cfg, 0)
	byName := map[string]*paramSpec{}
	for i := range m.specs {
		byName[m.specs[i].name] = &m.specs[i]
	}
	fileName := map[string]string{} // our name → the file's
	for _, name := range ws.names {
		path := ws.path(name)
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
		dtype, shape, _ := ws.file[name].Info(name)
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
			return nil, fmt.Errorf("gpt: load %s: missing tensor %q (shape %v)", ws.where, s.name, hfShape(&s))
		}
	}
	m.allocParams()
	for i := range m.specs {
		s := &m.specs[i]
		name := fileName[s.name]
		data, _, err := ws.file[name].Float32(name)
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

// checkpointTensors is a checkpoint's tensors, in one file or in shards.
type checkpointTensors struct {
	names []string                     // every tensor, in file order
	file  map[string]*safetensors.File // tensor → the file holding it
	shard map[string]string            // tensor → its file's path
	where string                       // model.safetensors or the index, for errors
}

func (w *checkpointTensors) path(name string) string { return w.shard[name] }

// openWeights reads dir's model.safetensors, or else the shards its
// model.safetensors.index.json lists. Shards are file names in dir; every
// tensor the index maps to a shard must be in it, and a shard may hold no
// tensor the index does not list.
func openWeights(dir string) (*checkpointTensors, error) {
	path := filepath.Join(dir, WeightsFile)
	w := &checkpointTensors{file: map[string]*safetensors.File{}, shard: map[string]string{}, where: path}
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		f, err := safetensors.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("gpt: load: %w", err)
		}
		for _, name := range f.Names() {
			w.names = append(w.names, name)
			w.file[name], w.shard[name] = f, path
		}
		return w, nil
	}
	index := filepath.Join(dir, WeightsIndexFile)
	b, err := os.ReadFile(index)
	if errors.Is(err, fs.ErrNotExist) {
		if _, e := os.Stat(filepath.Join(dir, "pytorch_model.bin")); e == nil {
			return nil, fmt.Errorf("gpt: load %s: no %s (pytorch_model.bin is not supported: convert it to safetensors)", dir, WeightsFile)
		}
		return nil, fmt.Errorf("gpt: load %s: neither %s nor %s", dir, WeightsFile, WeightsIndexFile)
	}
	if err != nil {
		return nil, fmt.Errorf("gpt: load: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("gpt: load %s: %v", index, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("gpt: load %s: no weight_map", index)
	}
	w.where = index
	shards := map[string]*safetensors.File{}
	var shardNames []string
	for tensor, shard := range idx.WeightMap {
		if shard == "" || shard != filepath.Base(shard) || shard == "." || shard == ".." {
			return nil, fmt.Errorf("gpt: load %s: tensor %q: shard %q is not a file name in the model folder", index, tensor, shard)
		}
		if _, ok := shards[shard]; !ok {
			shards[shard] = nil
			shardNames = append(shardNames, shard)
		}
	}
	sort.Strings(shardNames)
	for _, shard := range shardNames {
		sp := filepath.Join(dir, shard)
		f, err := safetensors.ReadFile(sp)
		if err != nil {
			return nil, fmt.Errorf("gpt: load %s: %w", index, err)
		}
		shards[shard] = f
		for _, name := range f.Names() {
			if want, ok := idx.WeightMap[name]; !ok || want != shard {
				return nil, fmt.Errorf("gpt: load %s: tensor %q is in %s but the index puts it in %q", index, name, shard, want)
			}
			w.names = append(w.names, name)
			w.file[name], w.shard[name] = f, sp
		}
	}
	for tensor, shard := range idx.WeightMap {
		if _, ok := w.file[tensor]; !ok {
			return nil, fmt.Errorf("gpt: load %s: tensor %q is not in %s, where the index puts it", index, tensor, shard)
		}
	}
	return w, nil
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
