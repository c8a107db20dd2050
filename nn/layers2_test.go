package nn

import (
	"testing"

	"github.com/golemml/golem/tensor"
)

func paramLeaves(x *tensor.Tensor, l Layer) []*tensor.Tensor {
	out := []*tensor.Tensor{x}
	for _, p := range l.Params() {
		if p.Trainable {
			out = append(out, p.Value)
		}
	}
	return out
}

// perturb gives zero-initialised weights (biases, beta) random values so
// that their gradients are exercised.
func perturb(l Layer, seed uint64) {
	for i, p := range l.Params() {
		if p.Trainable {
			d := p.Value.Data()
			r := tensor.RandN(tensor.NewRNG(seed+uint64(i)), len(d)).ToSlice()
			for j := range d {
				d[j] += 0.3 * r[j]
			}
		}
	}
}

func TestLayerGradients(t *testing.T) {
	for _, tc := range []struct {
		name     string
		l        Layer
		in       []int // with batch
		training bool
	}{
		{"layernorm", &LayerNorm{}, []int{3, 4, 5}, true},
		{"batchnorm-train", &BatchNorm{}, []int{4, 3, 2}, true},
		{"batchnorm-infer", &BatchNorm{}, []int{4, 3, 2}, false},
		{"conv2d-valid", &Conv2D{Filters: 3, KernelSize: [2]int{3, 2}}, []int{2, 5, 4, 2}, true},
		{"conv2d-same-strided", &Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same", Activation: "tanh"}, []int{2, 5, 6, 3}, true},
		{"conv1d-same", &Conv1D{Filters: 3, KernelSize: 3, Padding: "same"}, []int{2, 6, 2}, true},
		{"maxpool", &MaxPool2D{}, []int{2, 4, 5, 3}, true},
		{"maxpool-same", &MaxPool2D{PoolSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "same"}, []int{1, 5, 5, 2}, true},
		{"avgpool-same", &AveragePool2D{PoolSize: [2]int{2, 2}, Padding: "same", Strides: [2]int{1, 1}}, []int{2, 3, 3, 2}, true},
		{"gap1d", &GlobalAveragePooling1D{}, []int{2, 4, 3}, true},
		{"mha", &MultiHeadAttention{NumHeads: 2, KeyDim: 3}, []int{2, 4, 5}, true},
		{"mha-causal", &MultiHeadAttention{NumHeads: 2, KeyDim: 2, Causal: true}, []int{2, 4, 4}, true},
		{"transformer", &TransformerBlock{NumHeads: 2, FF: 8, Causal: true}, []int{2, 3, 4}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.l.Build(tc.in[1:], tensor.NewRNG(1)); err != nil {
				t.Fatal(err)
			}
			perturb(tc.l, 10)
			x := randLeaf(2, tc.in...)
			out := tc.l.Forward(x, tc.training)
			if !sameShapes(out.Shape()[1:], tc.l.OutputShape()) {
				t.Fatalf("output %v, OutputShape %v", out.Shape(), tc.l.OutputShape())
			}
			gradCheck(t, tc.name, func() *tensor.Tensor { return weighted(tc.l.Forward(x, tc.training), 3) }, paramLeaves(x, tc.l), 3e-2)
		})
	}
}

func TestConv2DValues(t *testing.T) {
	// 1 image 3x3, 1 channel, 2x2 kernel of ones: sums of 2x2 windows.
	c := &Conv2D{Filters: 1, KernelSize: [2]int{2, 2}}
	build(t, c, 3, 3, 1)
	copy(c.Kernel.Data(), []float32{1, 1, 1, 1})
	y := c.Forward(tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1), false)
	if want := []float32{12, 16, 24, 28}; !equal(y.ToSlice(), want) {
		t.Errorf("valid conv %v want %v", y.ToSlice(), want)
	}
	// same padding keeps the size; total pad 1 goes bottom/right.
	c = &Conv2D{Filters: 1, KernelSize: [2]int{2, 2}, Padding: "same"}
	build(t, c, 3, 3, 1)
	copy(c.Kernel.Data(), []float32{1, 1, 1, 1})
	y = c.Forward(tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1), false)
	if want := []float32{12, 16, 9, 24, 28, 15, 15, 17, 9}; !equal(y.ToSlice(), want) {
		t.Errorf("same conv %v want %v", y.ToSlice(), want)
	}
	p := &MaxPool2D{}
	build(t, p, 3, 3, 1)
	if got := p.Forward(tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1), false).ToSlice(); !equal(got, []float32{5}) {
		t.Errorf("maxpool %v", got)
	}
}

func TestBatchNormMovingStatistics(t *testing.T) {
	bn := &BatchNorm{}
	build(t, bn, 2)
	x := tensor.FromSlice([]float32{1, 10, 3, 20}, 2, 2) // means 2, 15; biased vars 1, 25
	bn.Forward(x, true)
	mm, mv := bn.MovingMean.ToSlice(), bn.MovingVar.ToSlice()
	near := func(got, want float32) bool { return got-want < 1e-6 && want-got < 1e-6 }
	if !near(mm[0], 0.02) || !near(mm[1], 0.15) || !near(mv[0], 1) || !near(mv[1], 0.99+0.25) {
		t.Errorf("moving mean %v var %v", mm, mv)
	}
	y := bn.Forward(x, false).ToSlice() // inference uses the moving statistics
	if w := (1 - 0.02) / float32(1.0004998); !near(y[0], w) {
		t.Errorf("inference output %v, want y[0]=%v", y, w)
	}
}

func TestGlobalAveragePoolingMask(t *testing.T) {
	g := &GlobalAveragePooling1D{}
	build(t, g, 3, 1)
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3, 1)
	m := tensor.FromSlice([]float32{0, 1, 1, 1, 0, 0}, 2, 3)
	if got := g.ForwardMasked(x, m, false).ToSlice(); !equal(got, []float32{2.5, 4}) {
		t.Errorf("masked mean %v", got)
	}
}

// Causal attention: the output at step 0 ignores later steps.
func TestMultiHeadAttentionCausal(t *testing.T) {
	l := &MultiHeadAttention{NumHeads: 2, KeyDim: 2, Causal: true}
	build(t, l, 3, 4)
	x := tensor.RandN(tensor.NewRNG(1), 1, 3, 4)
	y0 := l.Forward(x, false).ToSlice()
	x.Set(5, 0, 2, 1)
	y1 := l.Forward(x, false).ToSlice()
	if !equal(y0[:8], y1[:8]) || equal(y0[8:], y1[8:]) {
		t.Errorf("steps 0-1 must not change and step 2 must: %v vs %v", y0, y1)
	}
}
