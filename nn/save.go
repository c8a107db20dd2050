package nn

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/golemml/golem/safetensors"
)

// Saved models are one safetensors file: every weight as an F32 tensor
// under its parameter name, and in the header's metadata, under
// "golem_config", a JSON description of the model (Keras's get_config):
//
//	{"input_shape":[100],"layer":{"class_name":"Sequential","name":"sequential",
//	  "config":{},"layers":[{"class_name":"Embedding","name":"embedding",
//	  "config":{"InputDim":10000,"OutputDim":256,"MaskZero":false}}, ...]}}
//
// A layer's config is its exported fields; wrappers (Sequential,
// TimeDistributed, Bidirectional) list their inner layers. The file is
// written atomically.

// ConfigKey is the safetensors metadata key holding the model config.
const ConfigKey = "golem_config"

type modelConfig struct {
	InputShape []int       `json:"input_shape"`
	Layer      layerConfig `json:"layer"`
}

type layerConfig struct {
	ClassName string          `json:"class_name"`
	Name      string          `json:"name"`
	Config    json.RawMessage `json:"config"`
	Layers    []layerConfig   `json:"layers,omitempty"`
}

// registry maps class names to constructors of empty layers.
var registry = map[string]func() Layer{}

// Register makes a layer type known to Load under className. golem's own
// layers are registered already; register yours before loading a model
// that uses them.
func Register(className string, newLayer func() Layer) { registry[className] = newLayer }

func init() {
	for _, f := range []func() Layer{
		func() Layer { return &Sequential{} },
		func() Layer { return &Dense{} },
		func() Layer { return &Embedding{} },
		func() Layer { return &Dropout{} },
		func() Layer { return &Flatten{} },
		func() Layer { return &TimeDistributed{} },
		func() Layer { return &LSTM{} },
		func() Layer { return &GRU{} },
		func() Layer { return &Bidirectional{} },
		func() Layer { return &LayerNorm{} },
		func() Layer { return &BatchNorm{} },
		func() Layer { return &GlobalAveragePooling1D{} },
		func() Layer { return &Conv1D{} },
		func() Layer { return &Conv2D{} },
		func() Layer { return &MaxPool2D{} },
		func() Layer { return &AveragePool2D{} },
		func() Layer { return &MultiHeadAttention{} },
		func() Layer { return &TransformerBlock{} },
	} {
		Register(className(f()), f)
	}
}

func className(l Layer) string {
	t := reflect.TypeOf(l)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// inner returns the layers a wrapper holds.
func inner(l Layer) []Layer {
	switch w := l.(type) {
	case *Sequential:
		return w.Layers
	case interface{ innerLayers() []Layer }:
		return w.innerLayers()
	case *TimeDistributed:
		return []Layer{w.Layer}
	}
	return nil
}

func setInner(l Layer, in []Layer) error {
	switch w := l.(type) {
	case *Sequential:
		w.Layers = in
		return nil
	case interface{ setInnerLayers([]Layer) error }:
		return w.setInnerLayers(in)
	case *TimeDistributed:
		if len(in) != 1 {
			return fmt.Errorf("TimeDistributed %q wraps %d layers, want 1", w.name, len(in))
		}
		w.Layer = in[0]
		return nil
	}
	if len(in) > 0 {
		return fmt.Errorf("%s %q cannot hold inner layers", className(l), l.Name())
	}
	return nil
}

func encodeLayer(l Layer) (layerConfig, error) {
	cfg, err := json.Marshal(l)
	if err != nil {
		return layerConfig{}, fmt.Errorf("config of %s %q: %w", className(l), l.Name(), err)
	}
	lc := layerConfig{ClassName: className(l), Name: l.Name(), Config: cfg}
	for _, il := range inner(l) {
		c, err := encodeLayer(il)
		if err != nil {
			return lc, err
		}
		lc.Layers = append(lc.Layers, c)
	}
	return lc, nil
}

func decodeLayer(lc layerConfig, path string) (Layer, error) {
	mk, ok := registry[lc.ClassName]
	if !ok {
		return nil, fmt.Errorf("%s: unknown layer class %q (register it with nn.Register)", path, lc.ClassName)
	}
	l := mk()
	if len(lc.Config) > 0 {
		if err := json.Unmarshal(lc.Config, l); err != nil {
			return nil, fmt.Errorf("%s: config of %s %q: %w", path, lc.ClassName, lc.Name, err)
		}
	}
	l.SetName(lc.Name)
	var in []Layer
	for i, c := range lc.Layers {
		il, err := decodeLayer(c, fmt.Sprintf("%s.layers[%d]", path, i))
		if err != nil {
			return nil, err
		}
		in = append(in, il)
	}
	if err := setInner(l, in); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Config returns the model's JSON config (what Save stores).
func (m *Model) Config() ([]byte, error) {
	lc, err := encodeLayer(m.Layer)
	if err != nil {
		return nil, err
	}
	return json.Marshal(modelConfig{InputShape: m.InputShape, Layer: lc})
}

// Save writes the model's weights and config to path (safetensors,
// atomically).
func (m *Model) Save(path string) error {
	cfg, err := m.Config()
	if err != nil {
		return fmt.Errorf("nn.Save %s: %w", path, err)
	}
	var ts []safetensors.Tensor
	seen := map[string]bool{}
	for _, p := range m.Params() {
		if seen[p.Name] {
			return fmt.Errorf("nn.Save %s: two weights are named %q (give the layers distinct names)", path, p.Name)
		}
		seen[p.Name] = true
		ts = append(ts, safetensors.Tensor{Name: p.Name, Shape: append([]int(nil), p.Value.Shape()...), Data: p.Value.Contiguous().ToSlice()})
	}
	return safetensors.WriteFile(path, ts, map[string]string{ConfigKey: string(cfg)})
}

// Load rebuilds a model saved by Save and loads its weights. Every weight
// the model needs must be in the file as F32 with the right shape, and the
// file must hold no other tensors; the error names the offending tensor.
// The returned model is not compiled.
func Load(path string) (*Model, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nn.Load: %w", err)
	}
	raw, ok := f.Metadata[ConfigKey]
	if !ok {
		return nil, fmt.Errorf("nn.Load %s: no %q entry in the safetensors metadata (not saved by nn.Model.Save)", path, ConfigKey)
	}
	var mc modelConfig
	if err := json.Unmarshal([]byte(raw), &mc); err != nil {
		return nil, fmt.Errorf("nn.Load %s: config: %w", path, err)
	}
	l, err := decodeLayer(mc.Layer, "config.layer")
	if err != nil {
		return nil, fmt.Errorf("nn.Load %s: %w", path, err)
	}
	m, err := NewModel(l, mc.InputShape, 0)
	if err != nil {
		return nil, fmt.Errorf("nn.Load %s: %w", path, err)
	}
	if err := m.LoadWeights(f); err != nil {
		return nil, fmt.Errorf("nn.Load %s: %w", path, err)
	}
	return m, nil
}

// LoadWeights copies every weight of the model from f, checking names,
// dtypes and shapes.
func (m *Model) LoadWeights(f *safetensors.File) error {
	want := map[string]bool{}
	for _, p := range m.Params() {
		want[p.Name] = true
		dt, shape, ok := f.Info(p.Name)
		if !ok {
			return fmt.Errorf("weight %q is missing from the file", p.Name)
		}
		if dt != "F32" {
			return fmt.Errorf("weight %q has dtype %s, want F32", p.Name, dt)
		}
		if !sameShapes(shape, p.Value.Shape()) {
			return fmt.Errorf("weight %q has shape %v in the file, the model needs %v", p.Name, shape, p.Value.Shape())
		}
		vals, _, err := f.Float32(p.Name)
		if err != nil {
			return fmt.Errorf("weight %q: %w", p.Name, err)
		}
		copy(p.Value.Data(), vals)
	}
	for _, n := range f.Names() {
		if !want[n] {
			return fmt.Errorf("the file holds tensor %q that the model has no weight for", n)
		}
	}
	return nil
}
