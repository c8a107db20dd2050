package nn

import (
	"strings"
	"testing"

	"github.com/golemml/golem/tensor"
)

func build(t *testing.T, l Layer, in ...int) {
	t.Helper()
	if err := l.Build(in, tensor.NewRNG(1)); err != nil {
		t.Fatal(err)
	}
}

func TestDenseGradients(t *testing.T) {
	for _, act := range []string{"linear", "relu", "sigmoid", "tanh", "softmax", "gelu"} {
		d := &Dense{Units: 3, Activation: act}
		build(t, d, 4, 5)
		copy(d.Bias.Data(), []float32{0.1, -0.2, 0.3})
		x := randLeaf(2, 2, 4, 5)
		out := d.Forward(x, true)
		if !sameShapes(out.Shape(), []int{2, 4, 3}) {
			t.Fatalf("%s: shape %v", act, out.Shape())
		}
		gradCheck(t, "dense-"+act, func() *tensor.Tensor { return weighted(d.Forward(x, true), 3) }, []*tensor.Tensor{x, d.Kernel, d.Bias}, 2e-2)
	}
}

func TestDenseBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		l    Layer
		in   []int
		want string
	}{
		{&Dense{Units: 0}, []int{3}, "Units must be positive"},
		{&Dense{Units: 2, Activation: "swish"}, []int{3}, `unknown activation "swish"`},
		{&LSTM{Units: 2}, []int{3}, "want (None, T, features)"},
		{&Dropout{Rate: 1}, []int{3}, "outside [0, 1)"},
	} {
		err := tc.l.Build(tc.in, tensor.NewRNG(1))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%T: error %v, want %q", tc.l, err, tc.want)
		}
	}
}

func TestEmbeddingGatherGradAndMask(t *testing.T) {
	e := &Embedding{InputDim: 5, OutputDim: 3, MaskZero: true}
	build(t, e, 4)
	x := tensor.FromSlice([]float32{0, 2, 2, 4, 1, 0, 3, 3}, 2, 4)
	out := e.Forward(x, true)
	w := e.Embeddings.ToSlice()
	for i, id := range []int{0, 2, 2, 4, 1, 0, 3, 3} {
		for j := 0; j < 3; j++ {
			if out.Data()[i*3+j] != w[id*3+j] {
				t.Fatalf("row %d: got %v want row %d of the table", i, out.Data()[i*3:i*3+3], id)
			}
		}
	}
	gradCheck(t, "embedding", func() *tensor.Tensor { return weighted(e.Forward(x, true), 2) }, []*tensor.Tensor{e.Embeddings}, 1e-2)
	m := e.ComputeMask(x, nil).ToSlice()
	if want := []float32{0, 1, 1, 1, 1, 0, 1, 1}; !equal(m, want) {
		t.Errorf("mask %v want %v", m, want)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "id 5") {
			t.Errorf("out-of-range id: panic %v", r)
		}
	}()
	e.Forward(tensor.FromSlice([]float32{1, 5, 0, 0}, 1, 4), false)
}

func equal(a, b []float32) bool {
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

func TestDropout(t *testing.T) {
	d := &Dropout{Rate: 0.25}
	build(t, d, 1000)
	x := tensor.Ones(4, 1000)
	if y := d.Forward(x, false); y != x {
		t.Error("inference must be the identity")
	}
	y := d.Forward(x, true).ToSlice()
	zeros := 0
	for _, v := range y {
		switch v {
		case 0:
			zeros++
		case 1 / 0.75:
		default:
			t.Fatalf("value %v is neither 0 nor 1/(1-rate)", v)
		}
	}
	if zeros < 850 || zeros > 1150 {
		t.Errorf("%d of 4000 dropped at rate 0.25", zeros)
	}
}

func TestOrthogonalInit(t *testing.T) {
	for _, sh := range [][2]int{{4, 16}, {16, 4}, {5, 5}} {
		q := orthogonal(tensor.NewRNG(1), sh[0], sh[1]).ToSlice()
		r, c := sh[0], sh[1]
		// The smaller side is orthonormal: QQᵀ = I (r ≤ c) or QᵀQ = I.
		n, m := r, c
		at := func(i, k int) float32 { return q[i*c+k] }
		if r > c {
			n, m = c, r
			at = func(i, k int) float32 { return q[k*c+i] }
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var s float32
				for k := 0; k < m; k++ {
					s += at(i, k) * at(j, k)
				}
				want := float32(0)
				if i == j {
					want = 1
				}
				if d := s - want; d > 1e-5 || d < -1e-5 {
					t.Fatalf("%v: product[%d][%d] = %v", sh, i, j, s)
				}
			}
		}
	}
}

func TestLSTMKerasDefaults(t *testing.T) {
	l := &LSTM{Units: 4}
	build(t, l, 7, 3)
	b := l.Bias.ToSlice()
	for j, v := range b {
		want := float32(0)
		if j >= 4 && j < 8 {
			want = 1 // unit_forget_bias
		}
		if v != want {
			t.Fatalf("bias[%d] = %v, want %v", j, v, want)
		}
	}
	if got := l.Kernel.Shape(); !sameShapes(got, []int{3, 16}) {
		t.Errorf("kernel shape %v", got)
	}
	if n, _ := countParams(l.Params()); n != 4*4*(3+4+1) {
		t.Errorf("params %d", n)
	}
}

func TestTimeDistributedMatchesDense(t *testing.T) {
	td := &TimeDistributed{Layer: &Dense{Units: 2}}
	build(t, td, 3, 4)
	x := tensor.RandN(tensor.NewRNG(2), 2, 3, 4)
	y := td.Forward(x, false)
	d := td.Layer.(*Dense)
	for b := 0; b < 2; b++ {
		for s := 0; s < 3; s++ {
			for u := 0; u < 2; u++ {
				var want float32
				for k := 0; k < 4; k++ {
					want += x.At(b, s, k) * d.Kernel.At(k, u)
				}
				if got := y.At(b, s, u); got-want > 1e-5 || want-got > 1e-5 {
					t.Fatalf("[%d,%d,%d] = %v want %v", b, s, u, got, want)
				}
			}
		}
	}
	if !strings.HasPrefix(d.Params()[0].Name, "time_distributed/dense/") {
		t.Errorf("inner param name %q", d.Params()[0].Name)
	}
}
