package nn

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/golemml/golem/tensor"
)

// torchTol is the agreement required with PyTorch (computed in float64):
// |golem - torch| ≤ torchTol · max(max|torch|, 0.01) over each tensor, i.e.
// 1e-5 relative at the tensor's scale, for float32 arithmetic. The floor
// covers gradients that are zero in exact arithmetic (attention's key bias,
// to which softmax is invariant) and come out as float32 rounding noise.
const torchTol = 1e-5

type fixArr struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (a fixArr) tensor() *tensor.Tensor {
	d := make([]float32, len(a.Data))
	for i, v := range a.Data {
		d[i] = float32(v)
	}
	return tensor.FromSlice(d, a.Shape...)
}

func loadTorchFixtures(t *testing.T) map[string]map[string]fixArr {
	b, err := os.ReadFile("testdata/torch_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases map[string]map[string]fixArr `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

func compareTorch(t *testing.T, what string, got []float32, want fixArr) {
	t.Helper()
	if len(got) != len(want.Data) {
		t.Fatalf("%s: %d values, torch has %d", what, len(got), len(want.Data))
	}
	scale := 0.01
	for _, v := range want.Data {
		scale = math.Max(scale, math.Abs(v))
	}
	worst, at := 0.0, 0
	for i, v := range want.Data {
		if d := math.Abs(float64(got[i]) - v); d > worst {
			worst, at = d, i
		}
	}
	if worst > torchTol*scale {
		t.Errorf("%s: max difference %.3g at %d (golem %v, torch %v) exceeds %.0e × scale %.3g", what, worst, at, got[at], want.Data[at], torchTol, scale)
	}
}

func TestMatchesPyTorch(t *testing.T) {
	cases := loadTorchFixtures(t)
	for _, tc := range []struct {
		name string
		l    Layer
		fwd  func(l Layer, x *tensor.Tensor, c map[string]fixArr) *tensor.Tensor
	}{
		{"dense_gelu", &Dense{Units: 5, Activation: "gelu"}, nil},
		{"lstm", &LSTM{Units: 4, ReturnSequences: true}, func(l Layer, x *tensor.Tensor, c map[string]fixArr) *tensor.Tensor {
			out, st := l.(*LSTM).ForwardState(x, nil, nil, true)
			return tensor.Concat(0, out.Reshape(-1), st[0].Reshape(-1), st[1].Reshape(-1))
		}},
		{"lstm_masked", &LSTM{Units: 4}, func(l Layer, x *tensor.Tensor, c map[string]fixArr) *tensor.Tensor {
			return l.(*LSTM).ForwardMasked(x, c["mask"].tensor(), true)
		}},
		{"gru", &GRU{Units: 4, ReturnSequences: true}, func(l Layer, x *tensor.Tensor, c map[string]fixArr) *tensor.Tensor {
			out, st := l.(*GRU).ForwardState(x, nil, nil, true)
			return tensor.Concat(0, out.Reshape(-1), st[0].Reshape(-1))
		}},
		{"conv2d_same", &Conv2D{Filters: 4, KernelSize: [2]int{3, 3}, Padding: "same"}, nil},
		{"conv2d_valid_s2", &Conv2D{Filters: 4, KernelSize: [2]int{3, 2}, Strides: [2]int{2, 2}}, nil},
		{"batchnorm", &BatchNorm{}, nil},
		{"layernorm", &LayerNorm{}, nil},
		{"mha_causal", &MultiHeadAttention{NumHeads: 2, KeyDim: 3, Causal: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := cases[tc.name]
			if !ok {
				t.Fatalf("no fixture %q", tc.name)
			}
			x := c["x"].tensor().RequiresGrad()
			if err := tc.l.Build(x.Shape()[1:], tensor.NewRNG(1)); err != nil {
				t.Fatal(err)
			}
			var weights []*Param
			for _, p := range tc.l.Params() {
				if !p.Trainable {
					continue
				}
				key := p.Name[indexAfterSlash(p.Name):]
				w, ok := c[key]
				if !ok {
					t.Fatalf("fixture has no weight %q", key)
				}
				if !sameShapes(w.Shape, p.Value.Shape()) {
					t.Fatalf("weight %s: fixture shape %v, layer %v", key, w.Shape, p.Value.Shape())
				}
				copy(p.Value.Data(), w.tensor().Data())
				weights = append(weights, p)
			}
			var y *tensor.Tensor
			if tc.fwd != nil {
				y = tc.fwd(tc.l, x, c)
			} else {
				y = tc.l.Forward(x, true)
			}
			compareTorch(t, "output", y.ToSlice(), c["y"])
			loss := tensor.Sum(tensor.Mul(y, c["r"].tensor().Reshape(y.Shape()...)), false)
			loss.Backward()
			compareTorch(t, "grad x", x.Grad().ToSlice(), c["grad_x"])
			for _, p := range weights {
				key := p.Name[indexAfterSlash(p.Name):]
				compareTorch(t, "grad "+key, p.Value.Grad().ToSlice(), c["grad_"+key])
				p.Value.ZeroGrad()
			}
			if bn, ok := tc.l.(*BatchNorm); ok {
				compareTorch(t, "moving_mean", bn.MovingMean.ToSlice(), c["moving_mean"])
			}
		})
	}
}

// indexAfterSlash returns the index after the layer-name prefix
// ("dense/kernel" → 6).
func indexAfterSlash(name string) int {
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			return i + 1
		}
	}
	return 0
}
