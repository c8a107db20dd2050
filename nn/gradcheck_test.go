package nn

import (
	"math"
	"testing"

	"github.com/golemml/golem/tensor"
)

// gradCheck compares the gradients that Backward puts on each of the
// leaves with central finite differences of f, which must return a scalar.
// Float32 forward passes limit the accuracy: eps 1e-2 and a tolerance of
// tol relative to max(1, |grad|) are used.
func gradCheck(t *testing.T, name string, f func() *tensor.Tensor, leaves []*tensor.Tensor, tol float64) {
	t.Helper()
	for _, l := range leaves {
		l.ZeroGrad()
	}
	out := f()
	out.Backward()
	out.Release()
	const eps = 1e-2
	for li, l := range leaves {
		if l.Grad() == nil {
			t.Errorf("%s: leaf %d %v got no gradient", name, li, l.Shape())
			continue
		}
		g := l.Grad().ToSlice()
		d := l.Data()
		// Check up to 40 entries spread over the tensor.
		step := max(1, len(d)/40)
		for i := 0; i < len(d); i += step {
			old := d[i]
			var fp, fm float64
			tensor.NoGrad(func() {
				d[i] = old + eps
				fp = float64(f().Item())
				d[i] = old - eps
				fm = float64(f().Item())
			})
			d[i] = old
			num := (fp - fm) / (2 * eps)
			if diff := math.Abs(num - float64(g[i])); diff > tol*math.Max(1, math.Abs(num)) {
				t.Errorf("%s: leaf %d %v index %d: analytic %.6g, numeric %.6g", name, li, l.Shape(), i, g[i], num)
			}
		}
		l.ZeroGrad()
	}
}

// weighted returns Σ out⊙r for a fixed random r, so every output value
// gets a distinct gradient.
func weighted(out *tensor.Tensor, seed uint64) *tensor.Tensor {
	r := tensor.RandN(tensor.NewRNG(seed), out.Shape()...)
	return tensor.Sum(tensor.Mul(out, r), false)
}

func randLeaf(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(tensor.NewRNG(seed), shape...).RequiresGrad()
}
