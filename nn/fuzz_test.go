package nn

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeConfig feeds arbitrary bytes to the config parser that Load
// runs on a file's metadata: it must return an error or layers, never
// panic. (Building the decoded layers is not fuzzed: a config may ask for
// any size, as a Keras config may.)
func FuzzDecodeConfig(f *testing.F) {
	seq := NewSequential(
		&Embedding{InputDim: 20, OutputDim: 4, MaskZero: true},
		&Bidirectional{Layer: &LSTM{Units: 3, ReturnSequences: true}},
		&TimeDistributed{Layer: &Dense{Units: 2, Activation: "softmax"}},
	)
	m, err := NewModel(seq, []int{5}, 1)
	if err != nil {
		f.Fatal(err)
	}
	cfg, err := m.Config()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cfg)
	f.Add([]byte(`{"input_shape":[3],"layer":{"class_name":"Nope","name":"x","config":{}}}`))
	f.Add([]byte(`{"layer":{"class_name":"TimeDistributed","layers":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var mc modelConfig
		if json.Unmarshal(data, &mc) != nil {
			return
		}
		decodeLayer(mc.Layer, "config.layer")
	})
}
