package nn

import (
	"math"
	"testing"

	"github.com/golemml/golem/tensor"
)

func probs(seed uint64, rows, c int) *tensor.Tensor {
	var p *tensor.Tensor
	tensor.NoGrad(func() { p = tensor.Softmax(tensor.RandN(tensor.NewRNG(seed), rows, c), -1) })
	// Mixed with the uniform distribution so that no probability is small
	// next to the finite-difference step.
	d := p.ToSlice()
	for i := range d {
		d[i] = 0.5*d[i] + 0.5/float32(c)
	}
	return tensor.FromSlice(d, rows, c).RequiresGrad()
}

func TestLossGradients(t *testing.T) {
	oneHot := tensor.FromSlice([]float32{0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0}, 4, 3)
	ids := tensor.FromSlice([]float32{1, 0, 2, 1}, 4)
	bin := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 0}, 6, 1)
	sig := func(seed uint64) *tensor.Tensor {
		d := tensor.RandN(tensor.NewRNG(seed), 6, 1).ToSlice()
		for i := range d {
			d[i] = 0.1 + 0.8*sigmoid(d[i])
		}
		return tensor.FromSlice(d, 6, 1).RequiresGrad()
	}
	for _, tc := range []struct {
		name         string
		loss         Loss
		pred, target *tensor.Tensor
	}{
		{"mse", MSE{}, randLeaf(1, 4, 3), tensor.RandN(tensor.NewRNG(2), 4, 3)},
		{"mae", MAE{}, randLeaf(1, 4, 3), tensor.RandN(tensor.NewRNG(2), 4, 3)},
		{"bce-probs", BinaryCrossentropy{}, sig(3), bin},
		{"bce-logits", BinaryCrossentropy{FromLogits: true}, randLeaf(3, 6, 1), bin},
		{"cce-probs", CategoricalCrossentropy{}, probs(4, 4, 3), oneHot},
		{"cce-logits", CategoricalCrossentropy{FromLogits: true}, randLeaf(4, 4, 3), oneHot},
		{"scce-probs", SparseCategoricalCrossentropy{}, probs(5, 4, 3), ids},
		{"scce-logits", SparseCategoricalCrossentropy{FromLogits: true}, randLeaf(5, 4, 3), ids},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gradCheck(t, tc.name, func() *tensor.Tensor { return tc.loss.Compute(tc.pred, tc.target) }, []*tensor.Tensor{tc.pred}, 1e-2)
		})
	}
}

// Values against hand-computed Keras results.
func TestLossValues(t *testing.T) {
	near := func(name string, got *tensor.Tensor, want float64) {
		t.Helper()
		if g := float64(got.Item()); math.Abs(g-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.7g, want %.7g", name, g, want)
		}
	}
	p := tensor.FromSlice([]float32{0.9, 0.2}, 2, 1)
	y := tensor.FromSlice([]float32{1, 0}, 2, 1)
	near("bce", BinaryCrossentropy{}.Compute(p, y), -(math.Log(0.9+1e-7)+math.Log(0.8+1e-7))/2)
	// Clipping: p = 0 for a positive label costs -log(ε+ε), not +Inf.
	near("bce clipped", BinaryCrossentropy{}.Compute(tensor.FromSlice([]float32{0}, 1), tensor.FromSlice([]float32{1}, 1)), -math.Log(2e-7))
	// Logits: large |z| must stay finite and exact.
	near("bce logits", BinaryCrossentropy{FromLogits: true}.Compute(tensor.FromSlice([]float32{-100, 100}, 2), tensor.FromSlice([]float32{1, 1}, 2)), 50)
	// CCE renormalises: [0.2, 0.2] is read as [0.5, 0.5].
	near("cce", CategoricalCrossentropy{}.Compute(tensor.FromSlice([]float32{0.2, 0.2}, 1, 2), tensor.FromSlice([]float32{1, 0}, 1, 2)), math.Log(2))
	near("scce logits", SparseCategoricalCrossentropy{FromLogits: true}.Compute(tensor.FromSlice([]float32{1, 2, 3}, 1, 3), tensor.FromSlice([]float32{0}, 1)), math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3))-1)
	near("mse", MSE{}.Compute(tensor.FromSlice([]float32{1, 2}, 2), tensor.FromSlice([]float32{0, 0}, 2)), 2.5)
	near("mae", MAE{}.Compute(tensor.FromSlice([]float32{1, -3}, 2), tensor.FromSlice([]float32{0, 0}, 2)), 2)
}

func TestLossRejectsBadTargets(t *testing.T) {
	for name, f := range map[string]func(){
		"class id out of range": func() {
			SparseCategoricalCrossentropy{}.Compute(tensor.Ones(2, 3), tensor.FromSlice([]float32{0, 3}, 2))
		},
		"shape mismatch": func() { CategoricalCrossentropy{}.Compute(tensor.Ones(2, 3), tensor.Ones(2, 2)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// The fused Dense+softmax+cross-entropy head must match the plain graph
// (Dense softmax, then the loss from probabilities) in value and in every
// gradient.
func TestFusedHeadMatchesGraph(t *testing.T) {
	for _, sparse := range []bool{true, false} {
		const N, H, V = 2*headChunk/64 + 3, 5, 7 // rows not a multiple of the chunk
		d := &Dense{Units: V, Activation: "softmax"}
		d.SetName("d")
		if err := d.Build([]int{3, H}, tensor.NewRNG(1)); err != nil {
			t.Fatal(err)
		}
		copy(d.Bias.Data(), tensor.RandN(tensor.NewRNG(2), V).ToSlice())
		h := randLeaf(3, N, 3, H)
		var target *tensor.Tensor
		rng := tensor.NewRNG(4)
		if sparse {
			target = tensor.Zeros(N, 3)
			for i := range target.Data() {
				target.Data()[i] = float32(rng.IntN(V))
			}
		} else {
			target = tensor.Zeros(N, 3, V)
			for r := 0; r < N*3; r++ {
				target.Data()[r*V+rng.IntN(V)] = 1
			}
		}
		var loss Loss = CategoricalCrossentropy{}
		if sparse {
			loss = SparseCategoricalCrossentropy{}
		}
		leaves := []*tensor.Tensor{h, d.Kernel, d.Bias}
		grads := func(f func() *tensor.Tensor) (float32, [][]float32) {
			for _, l := range leaves {
				l.ZeroGrad()
			}
			out := f()
			v := out.Item()
			out.Backward()
			var gs [][]float32
			for _, l := range leaves {
				gs = append(gs, l.Grad().ToSlice())
			}
			return v, gs
		}
		v1, g1 := grads(func() *tensor.Tensor { return loss.Compute(d.Forward(h, true), target) })
		var seen int
		v2, g2 := grads(func() *tensor.Tensor {
			return fusedSoftmaxCE(fusedHead{dense: d, sparse: sparse}, h, target, func(p []float32, rows, c int, _ []float32) { seen += rows })
		})
		if seen != N*3 {
			t.Errorf("observer saw %d rows, want %d", seen, N*3)
		}
		// Without an observer the gradient is formed in the same pass.
		v3, g3 := grads(func() *tensor.Tensor { return fusedSoftmaxCE(fusedHead{dense: d, sparse: sparse}, h, target, nil) })
		if v3 != v2 {
			t.Errorf("loss %v with observer, %v without", v2, v3)
		}
		for i := range g2 {
			if !equal(g2[i], g3[i]) {
				t.Errorf("gradient %d differs with and without observer", i)
			}
		}
		if math.Abs(float64(v1-v2)) > 1e-5 {
			t.Errorf("sparse=%v: loss %v (graph) vs %v (fused)", sparse, v1, v2)
		}
		for i := range g1 {
			for j := range g1[i] {
				if math.Abs(float64(g1[i][j]-g2[i][j])) > 1e-5 {
					t.Fatalf("sparse=%v: grad %d[%d] %v (graph) vs %v (fused)", sparse, i, j, g1[i][j], g2[i][j])
				}
			}
		}
	}
}
