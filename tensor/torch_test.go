package tensor

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// torchCase is one op's fixture from testdata/gen_ops.py: inputs, torch's
// output, and torch's gradients of Σ out·w.
type torchCase struct {
	Inputs   [][]float32 `json:"inputs"`
	Shape    []int       `json:"shape"`
	Out      []float32   `json:"out"`
	OutShape []int       `json:"out_shape"`
	W        []float32   `json:"w"`
	Grads    [][]float32 `json:"grads"`
}

// torchTol bounds |golem - torch| relative to max(1, |torch|): both compute
// in float32, with different but correctly rounded elementary functions.
const torchTol = 2e-6

func TestOpsMatchTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]torchCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("testdata/ops.json: %v", err)
	}
	ops := map[string]func(in []*Tensor) *Tensor{
		"GELU":         func(in []*Tensor) *Tensor { return GELU(in[0]) },
		"GELUTanh":     func(in []*Tensor) *Tensor { return GELUTanh(in[0]) },
		"Sigmoid":      func(in []*Tensor) *Tensor { return Sigmoid(in[0]) },
		"Softmax1":     func(in []*Tensor) *Tensor { return Softmax(in[0], 1) },
		"Softmax0":     func(in []*Tensor) *Tensor { return Softmax(in[0], 0) },
		"LogSoftmax1":  func(in []*Tensor) *Tensor { return LogSoftmax(in[0], 1) },
		"LogSoftmax0":  func(in []*Tensor) *Tensor { return LogSoftmax(in[0], 0) },
		"VarUnbiased1": func(in []*Tensor) *Tensor { return Var(in[0], false, true, 1) },
		"VarBiasedAll": func(in []*Tensor) *Tensor { return Var(in[0], false, false) },
		"Max1":         func(in []*Tensor) *Tensor { return Max(in[0], false, 1) },
		"Min0":         func(in []*Tensor) *Tensor { return Min(in[0], false, 0) },
		"Pow":          func(in []*Tensor) *Tensor { return Pow(in[0], in[1]) },
		"Sqrt":         func(in []*Tensor) *Tensor { return Sqrt(in[0]) },
		"Clamp":        func(in []*Tensor) *Tensor { return Clamp(in[0], -1, 1.5) },
		"Abs":          func(in []*Tensor) *Tensor { return Abs(in[0]) },
	}
	if len(cases) != len(ops) {
		t.Errorf("fixture has %d cases, test maps %d ops", len(cases), len(ops))
	}
	for name, c := range cases {
		f, ok := ops[name]
		if !ok {
			t.Errorf("fixture case %s has no op", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			var ins []*Tensor
			for _, d := range c.Inputs {
				ins = append(ins, FromSlice(append([]float32(nil), d...), c.Shape...).RequiresGrad())
			}
			out := f(ins)
			if !sameShape(out.Shape(), c.OutShape) {
				t.Fatalf("shape %v, torch %v", out.Shape(), c.OutShape)
			}
			near(t, "output", out.ToSlice(), c.Out)
			Sum(Mul(out, FromSlice(c.W, c.OutShape...)), false).Backward()
			for i, in := range ins {
				near(t, "gradient", in.Grad().ToSlice(), c.Grads[i])
			}
		})
	}
}

func near(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		d := math.Abs(float64(got[i] - want[i]))
		if d > torchTol*math.Max(1, math.Abs(float64(want[i]))) {
			t.Errorf("%s[%d] = %v, torch %v (diff %.3g)", what, i, got[i], want[i], d)
		}
	}
}
