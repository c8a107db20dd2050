package gpt

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/golemml/golem/safetensors"
)

// Tolerances of the parity test, as llm.c's test_gpt2 states them.
const (
	logitTol = 1e-4 // absolute, on logits and loss
	gradRel  = 1e-3 // relative to the tensor's largest reference gradient
)

type parityFixture struct {
	B, T    int
	Tokens  []int   `json:"tokens"`
	Targets []int   `json:"targets"`
	Loss    float64 `json:"loss"`
}

func loadParity(t *testing.T) (*Model, parityFixture, *safetensors.File) {
	t.Helper()
	m, err := Load(filepath.Join("testdata", "parity"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "parity", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx parityFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	exp, err := safetensors.ReadFile(filepath.Join("testdata", "parity", "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return m, fx, exp
}

// TestParityWithPyTorch checks logits, loss and every gradient against
// PyTorch's on the same weights and tokens (testdata/gen_parity.py).
func TestParityWithPyTorch(t *testing.T) {
	m, fx, exp := loadParity(t)
	loss := m.Forward(fx.Tokens, fx.B, fx.T, fx.Targets)
	want, _, err := exp.Float32("logits")
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(m.Logits(), want); d > logitTol {
		t.Errorf("logits differ from PyTorch by %g > %g", d, logitTol)
	}
	if d := math.Abs(float64(loss) - fx.Loss); d > logitTol {
		t.Errorf("loss %v, PyTorch %v (diff %g)", loss, fx.Loss, d)
	}
	m.ZeroGrad()
	m.Backward()
	for _, s := range m.specs {
		ref, shape, err := exp.Float32("grad." + s.name)
		if err != nil {
			t.Fatal(err)
		}
		if s.conv1d {
			ref = transpose(ref, shape[0], shape[1])
		}
		got := *s.grad
		scale := maxAbs(ref)
		if d := maxAbsDiff(got, ref); d > gradRel*scale {
			t.Errorf("grad %s: max diff %g > %g·%g", s.name, d, gradRel, scale)
		}
	}
}

func maxAbs(a []float32) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		m = math.Max(m, d)
	}
	return m
}
