package gpt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golemml/golem/safetensors"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, bias := range []bool{true, false} {
		cfg := Config{NLayer: 2, NHead: 2, NEmbd: 16, BlockSize: 12, VocabSize: 30, Dropout: 0.1, Bias: bias}
		m := randomModel(cfg, 3)
		dir := t.TempDir()
		if err := m.Save(dir); err != nil {
			t.Fatal(err)
		}
		got, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got.Config != cfg {
			t.Errorf("config %+v, want %+v", got.Config, cfg)
		}
		if maxAbsDiff(got.params, m.params) != 0 {
			t.Errorf("bias %v: parameters changed in a save/load round trip", bias)
		}
		// config.json is Hugging Face's GPT2Config.
		var hf map[string]any
		b, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
		if err := json.Unmarshal(b, &hf); err != nil {
			t.Fatal(err)
		}
		if hf["model_type"] != "gpt2" || hf["n_positions"] != 12.0 || hf["activation_function"] != "gelu_new" {
			t.Errorf("config.json: %s", b)
		}
		if a, ok := hf["architectures"].([]any); !ok || len(a) != 1 || a[0] != "GPT2LMHeadModel" {
			t.Errorf("config.json architectures: %v", hf["architectures"])
		}
	}
}

// writeRaw writes a safetensors file holding m's parameters in Hugging
// Face's layout as dtype (F32, F16 or BF16), names prefixed with prefix.
func writeRaw(t *testing.T, path string, m *Model, dtype, prefix string, extra map[string][]int) {
	t.Helper()
	header := map[string]any{}
	var body bytes.Buffer
	put := func(name string, shape []int, vals []float32) {
		start := body.Len()
		for _, v := range vals {
			bits := math.Float32bits(v)
			switch dtype {
			case "F32":
				binary.Write(&body, binary.LittleEndian, bits)
			case "BF16":
				binary.Write(&body, binary.LittleEndian, uint16(bits>>16))
			case "F16":
				binary.Write(&body, binary.LittleEndian, toHalf(v))
			}
		}
		header[name] = map[string]any{"dtype": dtype, "shape": shape, "data_offsets": []int{start, body.Len()}}
	}
	for _, s := range m.specs {
		d, shape := *s.data, append([]int(nil), s.shape...)
		if s.conv1d {
			d = transpose(d, shape[0], shape[1])
			shape[0], shape[1] = shape[1], shape[0]
		}
		put(prefix+s.name, shape, d)
	}
	for name, shape := range extra {
		put(name, shape, make([]float32, numel(shape)))
	}
	h, _ := json.Marshal(header)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	var out bytes.Buffer
	binary.Write(&out, binary.LittleEndian, uint64(len(h)))
	out.Write(h)
	out.Write(body.Bytes())
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// toHalf encodes v, which must be 0 or a normal half with a short mantissa.
func toHalf(v float32) uint16 {
	if v == 0 {
		return 0
	}
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	return sign | uint16(exp)<<10 | uint16(b>>13&0x3ff)
}

func TestLoadHalfPrecisionAndPrefix(t *testing.T) {
	cfg := Config{NLayer: 1, NHead: 2, NEmbd: 8, BlockSize: 6, VocabSize: 10, Bias: true}
	m := randomModel(cfg, 5)
	for i, v := range m.params { // values both halves hold exactly
		m.params[i] = float32(math.Round(math.Max(-3.9, math.Min(3.9, float64(v)))*32) / 32)
	}
	for _, dtype := range []string{"F32", "F16", "BF16"} {
		t.Run(dtype, func(t *testing.T) {
			dir := t.TempDir()
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			extra := map[string][]int{"transformer.h.0.attn.bias": {1, 1, 6, 6}, "transformer.h.0.attn.masked_bias": {}, "lm_head.weight": {10, 8}}
			writeRaw(t, filepath.Join(dir, WeightsFile), m, dtype, "transformer.", extra)
			got, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(got.params, m.params); d != 0 {
				t.Errorf("parameters differ by %g", d)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	cfg := Config{NLayer: 1, NHead: 2, NEmbd: 8, BlockSize: 6, VocabSize: 10, Bias: true}
	m := randomModel(cfg, 5)
	wrong := randomModel(Config{NLayer: 1, NHead: 2, NEmbd: 8, BlockSize: 7, VocabSize: 10, Bias: true}, 5)
	deeper := randomModel(Config{NLayer: 2, NHead: 2, NEmbd: 8, BlockSize: 6, VocabSize: 10, Bias: true}, 5)
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		{"no config", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, ConfigFile)) }, []string{ConfigFile}},
		{"bad config", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"n_layer": 1, "n_head": 3, "n_embd": 8, "n_positions": 6, "vocab_size": 10}`), 0o644)
		}, []string{"n_embd 8", "n_head 3"}},
		{"config far larger than its weights", func(t *testing.T, dir string) {
			// 800 GB of parameters: Load must fail on the shapes before allocating.
			os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"n_layer": 4, "n_head": 2, "n_embd": 65536, "n_positions": 6, "vocab_size": 50257}`), 0o644)
		}, []string{"has shape", "want [", ConfigFile}},
		{"no weights", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, WeightsFile)) }, []string{WeightsFile}},
		{"wrong shape", func(t *testing.T, dir string) { writeRaw(t, filepath.Join(dir, WeightsFile), wrong, "F32", "", nil) }, []string{"wpe.weight", "[7 8]", "[6 8]"}},
		{"missing tensor", func(t *testing.T, dir string) {
			writeRaw(t, filepath.Join(dir, WeightsFile), randomModel(Config{NLayer: 1, NHead: 2, NEmbd: 8, BlockSize: 6, VocabSize: 10}, 1), "F32", "", nil)
		}, []string{"missing", "h.0.ln_1.bias"}},
		{"unexpected tensor", func(t *testing.T, dir string) { writeRaw(t, filepath.Join(dir, WeightsFile), deeper, "F32", "", nil) }, []string{"unexpected", "h.1."}},
		{"integer dtype", func(t *testing.T, dir string) {
			writeRaw(t, filepath.Join(dir, WeightsFile), m, "F32", "", nil)
			b, _ := os.ReadFile(filepath.Join(dir, WeightsFile))
			b = bytes.Replace(b, []byte(`{"data_offsets":[0,320],"dtype":"F32"`), []byte(`{"data_offsets":[0,320],"dtype":"I32"`), 1)
			os.WriteFile(filepath.Join(dir, WeightsFile), b, 0o644)
		}, []string{"dtype I32"}},
		{"truncated", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, WeightsFile))
			os.WriteFile(filepath.Join(dir, WeightsFile), b[:len(b)/2], 0o644)
		}, []string{WeightsFile}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, dir)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// shardWeights splits dir's model.safetensors into two shards and an index,
// as save_pretrained does for large models, and removes the single file.
// edit, if not nil, may change the index's weight_map before it is written.
func shardWeights(t *testing.T, dir string, edit func(map[string]string)) {
	t.Helper()
	f, err := safetensors.ReadFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	shards := [2][]safetensors.Tensor{}
	files := [2]string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}
	weightMap := map[string]string{}
	for i, name := range f.Names() {
		data, shape, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		shards[i%2] = append(shards[i%2], safetensors.Tensor{Name: name, Shape: shape, Data: data})
		weightMap[name] = files[i%2]
	}
	for i := range shards {
		if err := safetensors.WriteFile(filepath.Join(dir, files[i]), shards[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(weightMap)
	}
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 0}, "weight_map": weightMap})
	if err := os.WriteFile(filepath.Join(dir, WeightsIndexFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, WeightsFile))
}

func TestLoadShards(t *testing.T) {
	cfg := Config{NLayer: 2, NHead: 2, NEmbd: 8, BlockSize: 6, VocabSize: 10, Bias: true}
	m := randomModel(cfg, 7)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	shardWeights(t, dir, nil)
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(got.params, m.params); d != 0 {
		t.Errorf("parameters differ by %g", d)
	}

	for _, tc := range []struct {
		name string
		edit func(map[string]string)
		want []string
	}{
		{"outside the folder", func(w map[string]string) { w["wte.weight"] = "../model-00001-of-00002.safetensors" }, []string{"wte.weight", "not a file name"}},
		{"missing shard", func(w map[string]string) { w["wte.weight"] = "model-00003-of-00002.safetensors" }, []string{"model-00003-of-00002.safetensors"}},
		{"tensor in the other shard", func(w map[string]string) {
			for name, f := range w {
				if f == "model-00001-of-00002.safetensors" {
					w[name] = "model-00002-of-00002.safetensors"
					return
				}
			}
		}, []string{"the index puts it in"}},
		{"tensor not in its shard", func(w map[string]string) { w["h.9.ln_1.weight"] = "model-00001-of-00002.safetensors" }, []string{"h.9.ln_1.weight", "not in"}},
		{"empty index", func(w map[string]string) { clear(w) }, []string{"no weight_map"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			shardWeights(t, dir, tc.edit)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tc.want, WeightsIndexFile) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestLoadTorchSave loads the parity model's weights as torch.save wrote
// them in Hugging Face's layout (testdata/gen_torch_bin.py): both of
// PyTorch's formats, float16, and shards with their index. Each gives the
// parameters of the safetensors original (float16: as rounded to it).
func TestLoadTorchSave(t *testing.T) {
	want, err := Load(filepath.Join("testdata", "parity"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join("testdata", "parity", ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	// dir returns a model folder holding config.json and the fixtures
	// given, each under its Hugging Face name.
	dir := func(files map[string]string) string {
		d := t.TempDir()
		files[ConfigFile] = ""
		for to, from := range files {
			b := cfg
			if from != "" {
				if b, err = os.ReadFile(filepath.Join("testdata", "torch", from)); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(d, to), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		tol   float64
	}{
		{"zip", map[string]string{TorchWeightsFile: "zip.bin"}, 0},
		{"legacy", map[string]string{TorchWeightsFile: "legacy.bin"}, 0},
		{"float16", map[string]string{TorchWeightsFile: "f16.bin"}, 1.0 / 1024},
		{"shards", map[string]string{TorchWeightsIndexFile: "index.json",
			"pytorch_model-00001-of-00002.bin": "shard1.bin", "pytorch_model-00002-of-00002.bin": "shard2.bin"}, 0},
	} {
		got, err := Load(dir(c.files))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for i, w := range want.params {
			if d := math.Abs(float64(got.params[i] - w)); d > c.tol*math.Max(1, math.Abs(float64(w))) {
				t.Errorf("%s: parameter %d is %v, want %v", c.name, i, got.params[i], w)
				break
			}
		}
	}

	// safetensors win over pytorch_model.bin when a folder has both.
	d := dir(map[string]string{TorchWeightsFile: "f16.bin"})
	if err := want.Save(d); err != nil {
		t.Fatal(err)
	}
	got, err := Load(d)
	if err != nil {
		t.Fatal(err)
	}
	if maxAbsDiff(got.params, want.params) != 0 {
		t.Error("with both files present, Load did not read model.safetensors")
	}

	// A damaged pickle: the error names the file.
	d = dir(map[string]string{})
	if err := os.WriteFile(filepath.Join(d, TorchWeightsFile), []byte("\x80\x02cos\nsystem\n."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(d); err == nil || !strings.Contains(err.Error(), TorchWeightsFile) || !strings.Contains(err.Error(), "os.system") {
		t.Errorf("pickle naming os.system: error %v", err)
	}
	if _, err := Load(dir(map[string]string{})); err == nil || !strings.Contains(err.Error(), "no weights") {
		t.Errorf("empty folder: error %v", err)
	}
	// A clone of a model repository without git-lfs holds pointer files.
	pointer := "version https://git-lfs.github.com/spec/v1\noid sha256:248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707\nsize 548105171\n"
	for _, name := range []string{WeightsFile, TorchWeightsFile} {
		d := dir(map[string]string{})
		os.WriteFile(filepath.Join(d, name), []byte(pointer), 0o644)
		if _, err := Load(d); err == nil || !strings.Contains(err.Error(), "Git LFS pointer") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s as a Git LFS pointer: error %v", name, err)
		}
	}
}
