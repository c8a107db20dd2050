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
	"github.com/golemml/golem/torchsave"
)

// Checkpoint file names in a model directory, as Hugging Face names them.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
	// WeightsIndexFile lists the shards of weights too large for one file
	// (save_pretrained's max_shard_size): {"weight_map": {tensor: file}}.
	WeightsIndexFile = "model.safetensors.index.json"
	// TorchWeightsFile and TorchWeightsIndexFile are the same written by
	// torch.save, as checkpoints from before safetensors have them; Load
	// reads them when there are no safetensors.
	TorchWeightsFile      = "pytorch_model.bin"
	TorchWeightsIndexFile = "pytorch_model.bin.index.json"
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
	transposeInto(t, a, r, c)
	return t
}

// transposeInto sets t (c×r) to the transpose of a (r×c), in 32×32 tiles
// so that both sides are walked in cache lines (GPT-2's 85M Conv1D weights:
// 1.7 s element by element).
func transposeInto(t, a []float32, r, c int) {
	const b = 32
	for i0 := 0; i0 < r; i0 += b {
		for j0 := 0; j0 < c; j0 += b {
			for i := i0; i < min(i0+b, r); i++ {
				row := a[i*c : i*c+c]
				for j := j0; j < min(j0+b, c); j++ {
					t[j*r+i] = row[j]
				}
			}
		}
	}
}

// Load reads a model saved by Save or by Hugging Face (GPT2LMHeadModel's
// save_pretrained): config.json and model.safetensors, or the shards that
// model.safetensors.index.json lists, or, for checkpoints from before
// safetensors, pytorch_model.bin or its shards (read by package torchsave,
// which runs nothing a pickle names). Tensor names may
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
	defer ws.close()
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
	// Tensors are read straight into the parameters; Conv1D weights
	// through one scratch buffer, transposed.
	var scratch []float32
	for i := range m.specs {
		s := &m.specs[i]
		name := fileName[s.name]
		dst := *s.data
		if s.conv1d {
			scratch = grow(&scratch, len(dst))
			dst = scratch
		}
		if err := ws.file[name].Float32Into(name, dst); err != nil {
			return nil, fmt.Errorf("gpt: load: %w", err)
		}
		if s.conv1d {
			transposeInto(*s.data, scratch, s.shape[1], s.shape[0])
		}
	}
	return m, nil
}

// tensorFile is one file of a checkpoint: safetensors or torch.save.
type tensorFile interface {
	Names() []string
	Info(name string) (dtype string, shape []int, ok bool)
	Float32Into(name string, dst []float32) error
	Close() error
}

// checkpointTensors is a checkpoint's tensors, in one file or in shards.
type checkpointTensors struct {
	names []string              // every tensor, in file order
	file  map[string]tensorFile // tensor → the file holding it
	shard map[string]string     // tensor → its file's path
	where string                // the weights file or the index, for errors
}

func (w *checkpointTensors) path(name string) string { return w.shard[name] }

func (w *checkpointTensors) close() {
	done := map[tensorFile]bool{}
	for _, f := range w.file {
		if !done[f] {
			done[f] = true
			f.Close()
		}
	}
}

// weightFormats are the weight files Load looks for, in order: Hugging
// Face's safetensors, then PyTorch's pickles (torch.save, as older
// checkpoints have them), each as one file or as shards an index lists.
var weightFormats = []struct {
	file, index string
	open        func(path string) (tensorFile, error)
}{
	{WeightsFile, WeightsIndexFile, func(p string) (tensorFile, error) { return safetensors.OpenFile(p) }},
	{TorchWeightsFile, TorchWeightsIndexFile, func(p string) (tensorFile, error) { return torchsave.Open(p) }},
}

// openWeights opens dir's weights: the first of weightFormats' files or
// indexes that dir holds. Shards are file names in dir; every tensor the
// index maps to a shard must be in it, and a shard may hold no tensor the
// index does not list.
func openWeights(dir string) (*checkpointTensors, error) {
	for _, wf := range weightFormats {
		path := filepath.Join(dir, wf.file)
		if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
			f, err := wf.open(path)
			if err != nil {
				return nil, fmt.Errorf("gpt: load: %w", err)
			}
			w := &checkpointTensors{file: map[string]tensorFile{}, shard: map[string]string{}, where: path}
			w.add(f, path)
			return w, nil
		}
		index := filepath.Join(dir, wf.index)
		b, err := os.ReadFile(index)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("gpt: load: %w", err)
		}
		return openShards(dir, index, b, wf.open)
	}
	return nil, fmt.Errorf("gpt: load %s: no weights: none of %s, %s, %s or %s", dir, WeightsFile, WeightsIndexFile, TorchWeightsFile, TorchWeightsIndexFile)
}

// add lists f's tensors, found at path.
func (w *checkpointTensors) add(f tensorFile, path string) {
	for _, name := range f.Names() {
		w.names = append(w.names, name)
		w.file[name], w.shard[name] = f, path
	}
}

// openShards opens the shards that the index file (contents b) lists.
func openShards(dir, index string, b []byte, open func(string) (tensorFile, error)) (*checkpointTensors, error) {
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("gpt: load %s: %v", index, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("gpt: load %s: no weight_map", index)
	}
	w := &checkpointTensors{file: map[string]tensorFile{}, shard: map[string]string{}, where: index}
	shards := map[string]bool{}
	var shardNames []string
	for tensor, shard := range idx.WeightMap {
		if shard == "" || shard != filepath.Base(shard) || shard == "." || shard == ".." {
			return nil, fmt.Errorf("gpt: load %s: tensor %q: shard %q is not a file name in the model folder", index, tensor, shard)
		}
		if !shards[shard] {
			shards[shard] = true
			shardNames = append(shardNames, shard)
		}
	}
	sort.Strings(shardNames)
	for _, shard := range shardNames {
		sp := filepath.Join(dir, shard)
		f, err := open(sp)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("gpt: load %s: %w", index, err)
		}
		for _, name := range f.Names() {
			if want, ok := idx.WeightMap[name]; !ok || want != shard {
				f.Close()
				w.close()
				return nil, fmt.Errorf("gpt: load %s: tensor %q is in %s but the index puts it in %q", index, name, shard, want)
			}
		}
		w.add(f, sp)
	}
	for tensor, shard := range idx.WeightMap {
		if _, ok := w.file[tensor]; !ok {
			w.close()
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
