package tensor

import (
	"fmt"
	"math"
	"testing"
)

// Gradient checks compare autograd's gradient of a scalar function with
// central finite differences. The function is evaluated in float32, but
// the differences are formed and compared in float64 with a step large
// enough for float32 rounding to stay small.
const (
	fdEps    = 1e-2 // finite-difference step
	fdRelTol = 2e-2 // relative tolerance on each gradient entry
	fdAbsTol = 2e-3 // absolute floor for entries near zero
)

// gradCheck checks d f(inputs) / d inputs[i] for every input. f must build
// a fresh graph from its inputs each call; its result is reduced to a
// scalar with a fixed random weighting so every output element matters.
func gradCheck(t *testing.T, name string, f func(in []*Tensor) *Tensor, inputs ...*Tensor) {
	t.Helper()
	for _, in := range inputs {
		in.RequiresGrad()
		in.grad = nil
	}
	out := f(inputs)
	w := RandN(NewRNG(99), out.shape...)
	wd := w.ToSlice()
	scalar := func(o *Tensor) float64 {
		var s float64
		for i, v := range o.ToSlice() {
			s += float64(v) * float64(wd[i])
		}
		return s
	}
	loss := Sum(Mul(out, w), false)
	loss.Backward()
	for k, in := range inputs {
		if in.grad == nil {
			t.Errorf("%s: input %d got no gradient", name, k)
			continue
		}
		got := in.grad.ToSlice()
		d := in.Data()
		for i := range d {
			orig := d[i]
			var plus, minus float64
			NoGrad(func() {
				d[i] = orig + fdEps
				plus = scalar(f(inputs))
				d[i] = orig - fdEps
				minus = scalar(f(inputs))
			})
			d[i] = orig
			want := (plus - minus) / (2 * fdEps)
			diff := math.Abs(float64(got[i]) - want)
			if diff > fdAbsTol && diff > fdRelTol*math.Abs(want) {
				t.Errorf("%s: d/d input%d[%d] = %.6g, finite difference %.6g", name, k, i, got[i], want)
			}
		}
	}
}

func randT(seed uint64, shape ...int) *Tensor { return RandN(NewRNG(seed), shape...) }

func TestGradBinaryBroadcast(t *testing.T) {
	shapes := [][2][]int{
		{{2, 3}, {2, 3}},
		{{2, 3}, {3}},
		{{4, 1, 3}, {2, 1}},
		{{3}, {}},
	}
	ops := map[string]func(a, b *Tensor) *Tensor{"Add": Add, "Sub": Sub, "Mul": Mul, "Div": Div}
	for name, op := range ops {
		for _, sh := range shapes {
			t.Run(fmt.Sprintf("%s%v%v", name, sh[0], sh[1]), func(t *testing.T) {
				a, b := randT(1, sh[0]...), randT(2, sh[1]...)
				if name == "Div" { // keep the divisor away from 0
					for i, v := range b.Data() {
						b.Data()[i] = v + float32(math.Copysign(1.5, float64(v)))
					}
				}
				gradCheck(t, name, func(in []*Tensor) *Tensor { return op(in[0], in[1]) }, a, b)
			})
		}
	}
}

func TestGradUnary(t *testing.T) {
	ops := map[string]func(*Tensor) *Tensor{"Neg": Neg, "Exp": Exp, "Tanh": Tanh, "ReLU": ReLU,
		"Log": func(x *Tensor) *Tensor { return Log(Exp(x)) }}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			x := randT(3, 3, 4)
			if name == "ReLU" { // keep away from the kink
				for i, v := range x.Data() {
					if math.Abs(float64(v)) < 0.05 {
						x.Data()[i] = 0.3
					}
				}
			}
			gradCheck(t, name, func(in []*Tensor) *Tensor { return op(in[0]) }, x)
		})
	}
}

func TestGradMatMul(t *testing.T) {
	cases := []struct{ a, b []int }{
		{[]int{3, 4}, []int{4, 5}},
		{[]int{2, 3, 4}, []int{4, 2}},
		{[]int{2, 1, 3, 4}, []int{3, 4, 2}},
		{[]int{4}, []int{4, 3}},
		{[]int{3, 4}, []int{4}},
		{[]int{4}, []int{4}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.a, c.b), func(t *testing.T) {
			gradCheck(t, "MatMul", func(in []*Tensor) *Tensor { return MatMul(in[0], in[1]) }, randT(4, c.a...), randT(5, c.b...))
		})
	}
	t.Run("transposed views", func(t *testing.T) {
		gradCheck(t, "MatMulT", func(in []*Tensor) *Tensor { return MatMul(in[0].T(), in[1].Transpose(0, 1)) }, randT(6, 4, 3), randT(7, 5, 4))
	})
}

func TestGradReduceAndViews(t *testing.T) {
	x := randT(8, 2, 3, 4)
	gradCheck(t, "Sum axis", func(in []*Tensor) *Tensor { return Sum(in[0], false, 1) }, x)
	gradCheck(t, "Sum keep", func(in []*Tensor) *Tensor { return Sum(in[0], true, 0, 2) }, randT(9, 2, 3, 4))
	gradCheck(t, "Mean all", func(in []*Tensor) *Tensor { return Mean(in[0], false) }, randT(10, 2, 3))
	gradCheck(t, "Mean -1", func(in []*Tensor) *Tensor { return Mean(in[0], true, -1) }, randT(11, 2, 3))
	gradCheck(t, "Permute+Reshape", func(in []*Tensor) *Tensor { return in[0].Permute(2, 0, 1).Reshape(4, 6) }, randT(12, 2, 3, 4))
	gradCheck(t, "Narrow", func(in []*Tensor) *Tensor { return in[0].Narrow(1, 1, 2) }, randT(13, 2, 4))
	gradCheck(t, "Slice neg", func(in []*Tensor) *Tensor { return in[0].Slice(0, -2, 5) }, randT(14, 4, 2))
}

func TestSharedSubexpression(t *testing.T) {
	// y = (x·x + x)·x, dy/dx = 3x² + 2x: x feeds three consumers.
	x := FromSlice([]float32{1, -2, 3}, 3).RequiresGrad()
	a := Mul(x, x)
	b := Add(a, x)
	y := Sum(Mul(b, x), false)
	y.Backward()
	want := []float32{5, 8, 33}
	for i, g := range x.Grad().ToSlice() {
		if math.Abs(float64(g-want[i])) > 1e-5 {
			t.Fatalf("grad = %v, want %v", x.Grad().ToSlice(), want)
		}
	}
}

func TestGradAccumulatesAndZeroes(t *testing.T) {
	x := FromSlice([]float32{2}, 1).RequiresGrad()
	for i := 0; i < 3; i++ {
		Sum(Mul(x, x), false).Backward()
	}
	if g := x.Grad().Item(); g != 12 {
		t.Fatalf("accumulated grad = %v, want 12", g)
	}
	x.ZeroGrad()
	if g := x.Grad().Item(); g != 0 {
		t.Fatalf("after ZeroGrad grad = %v", g)
	}
}

func TestReleasedIntermediatePanics(t *testing.T) {
	x := randT(1, 3).RequiresGrad()
	h := Exp(x)
	kept := Tanh(x).Retain()
	loss := Sum(Add(h, kept), false)
	loss.Backward()
	_ = kept.ToSlice() // retained: fine
	_ = loss.Item()    // the root stays readable
	defer func() {
		if recover() == nil {
			t.Fatal("reading a released intermediate did not panic")
		}
	}()
	_ = h.ToSlice()
}

func TestNoGradRecordsNothing(t *testing.T) {
	x := randT(1, 3).RequiresGrad()
	var y *Tensor
	NoGrad(func() { y = Exp(x) })
	if y.NeedsGrad() || !y.IsLeaf() {
		t.Fatal("op under NoGrad was recorded")
	}
}

// TestWithoutGrad: only the given leaves leave the graph, for as long as
// any WithoutGrad over them runs; an op mixing them with a leaf that needs
// gradients is recorded, and Backward gives the frozen leaf nothing.
func TestWithoutGrad(t *testing.T) {
	w := randT(1, 3, 2).RequiresGrad()
	u := randT(2, 4, 3).RequiresGrad()
	x := randT(3, 4, 3)
	var y, z *Tensor
	WithoutGrad([]*Tensor{w}, func() {
		y = MatMul(x, w)
		z = MatMul(u, w)
		if !GradEnabled() || !Records(u) || Records(x, w) {
			t.Error("WithoutGrad switched recording off beyond its leaves")
		}
		WithoutGrad([]*Tensor{w}, func() {}) // a nested call over the same leaf
		if w.NeedsGrad() {
			t.Error("w needs grad after the inner of two WithoutGrad calls returned")
		}
	})
	if !w.NeedsGrad() {
		t.Fatal("w does not need grad after WithoutGrad returned")
	}
	if y.NeedsGrad() || !y.IsLeaf() {
		t.Error("op on frozen w and plain x was recorded")
	}
	if !z.NeedsGrad() {
		t.Fatal("op on frozen w and u was not recorded")
	}
	Sum(z, false).Backward()
	if w.Grad() != nil {
		t.Errorf("frozen w got gradient %v", w.Grad())
	}
	// d sum(u·w) / du = 1 · wᵀ: every row of u's gradient is w's row sums.
	wd, gu := w.ToSlice(), u.Grad().ToSlice()
	for i := range 4 {
		for k := range 3 {
			if want := wd[2*k] + wd[2*k+1]; math.Abs(float64(gu[3*i+k]-want)) > 1e-6 {
				t.Fatalf("du[%d][%d] = %v, want %v", i, k, gu[3*i+k], want)
			}
		}
	}
}

func TestShapeErrorsNameOpAndShapes(t *testing.T) {
	cases := map[string]func(){
		"Add":    func() { Add(Zeros(2, 3), Zeros(4)) },
		"MatMul": func() { MatMul(Zeros(2, 3), Zeros(4, 5)) },
	}
	for op, f := range cases {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !contains(msg, "tensor."+op) || !contains(msg, "[") {
					t.Errorf("%s panic %q does not name op and shapes", op, msg)
				}
			}()
			f()
		}()
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
