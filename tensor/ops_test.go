package tensor

import (
	"fmt"
	"math"
	"testing"
)

// awayFrom nudges values of x that lie within eps of any of pts, so that
// finite differences do not straddle a kink.
func awayFrom(x *Tensor, eps float32, pts ...float32) *Tensor {
	d := x.Data()
	for i, v := range d {
		for _, p := range pts {
			if v > p-eps && v < p+eps {
				d[i] = p + 3*eps
			}
		}
	}
	return x
}

// distinct returns a tensor whose values are a seeded shuffle of
// 0.1·(0..n-1) - offset: no two are closer than 0.1, so finite differences
// never swap a maximum.
func distinct(seed uint64, shape ...int) *Tensor {
	n := numel(shape)
	perm := NewRNG(seed).Perm(n)
	d := make([]float32, n)
	for i, p := range perm {
		d[i] = 0.1*float32(p) - 0.05*float32(n)
	}
	return FromSlice(d, shape...)
}

func positive(x *Tensor) *Tensor {
	d := x.Data()
	for i, v := range d {
		d[i] = float32(math.Abs(float64(v))) + 0.5
	}
	return x
}

func TestUnaryValues(t *testing.T) {
	x := FromSlice([]float32{-2, -0.5, 0, 0.5, 2}, 5)
	cases := []struct {
		name string
		got  *Tensor
		f    func(float64) float64
	}{
		{"Sqrt", Sqrt(FromSlice([]float32{0, 0.25, 4, 9, 2}, 5)), nil},
		{"Abs", Abs(x), math.Abs},
		{"Sigmoid", Sigmoid(x), func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{"GELU", GELU(x), func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }},
		{"GELUTanh", GELUTanh(x), func(v float64) float64 {
			return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		}},
		{"PowScalar3", PowScalar(x, 3), func(v float64) float64 { return v * v * v }},
		{"PowScalar2", PowScalar(x, 2), func(v float64) float64 { return v * v }},
		{"AddScalar", AddScalar(x, 1.5), func(v float64) float64 { return v + 1.5 }},
		{"MulScalar", MulScalar(x, -3), func(v float64) float64 { return -3 * v }},
		{"Clamp", Clamp(x, -1, 0.7), func(v float64) float64 { return math.Min(math.Max(v, -1), 0.7) }},
		{"ReLU", ReLU(x), func(v float64) float64 { return math.Max(v, 0) }},
	}
	for _, c := range cases {
		var want []float32
		if c.f == nil {
			want = []float32{0, 0.5, 2, 3, float32(math.Sqrt2)}
		} else {
			for _, v := range x.ToSlice() {
				want = append(want, float32(c.f(float64(v))))
			}
		}
		assertClose(t, c.name, c.got.ToSlice(), want, 1e-6)
	}
	// Sigmoid does not overflow at the extremes.
	assertClose(t, "Sigmoid extremes", Sigmoid(FromSlice([]float32{-200, 200}, 2)).ToSlice(), []float32{0, 1}, 0)
	// Clamp with lo > hi gives hi everywhere, as torch.
	assertClose(t, "Clamp inverted", Clamp(x, 1, -1).ToSlice(), []float32{-1, -1, -1, -1, -1}, 0)
}

func TestGradUnaryOps(t *testing.T) {
	ops := []struct {
		name string
		f    func(*Tensor) *Tensor
		prep func(*Tensor) *Tensor
	}{
		{"Sqrt", Sqrt, positive},
		{"Abs", Abs, func(x *Tensor) *Tensor { return awayFrom(x, 0.05, 0) }},
		{"Sigmoid", Sigmoid, nil},
		{"GELU", GELU, nil},
		{"GELUTanh", GELUTanh, nil},
		{"PowScalar2", func(x *Tensor) *Tensor { return PowScalar(x, 2) }, nil},
		{"PowScalar3", func(x *Tensor) *Tensor { return PowScalar(x, 3) }, nil},
		{"PowScalar-1.5", func(x *Tensor) *Tensor { return PowScalar(x, -1.5) }, positive},
		{"AddScalar", func(x *Tensor) *Tensor { return AddScalar(x, 2) }, nil},
		{"MulScalar", func(x *Tensor) *Tensor { return MulScalar(x, -0.7) }, nil},
		{"Clamp", func(x *Tensor) *Tensor { return Clamp(x, -0.5, 0.8) }, func(x *Tensor) *Tensor { return awayFrom(x, 0.05, -0.5, 0.8) }},
		{"Sqrt of transposed view", func(x *Tensor) *Tensor { return Sqrt(x.T()) }, positive},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			x := randT(21, 3, 4)
			if op.prep != nil {
				op.prep(x)
			}
			gradCheck(t, op.name, func(in []*Tensor) *Tensor { return op.f(in[0]) }, x)
		})
	}
}

func TestPowWhereMaskedFill(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := FromSlice([]float32{2, 0.5}, 2)
	assertClose(t, "Pow", Pow(a, b).ToSlice(), []float32{1, float32(math.Sqrt2), 9, 2}, 1e-6)
	cond := FromSlice([]float32{1, 0}, 2, 1)
	assertClose(t, "Where", Where(cond, a, Scalar(-1)).ToSlice(), []float32{1, 2, -1, -1}, 0)
	mask := FromSlice([]float32{0, 1, 0, 0}, 2, 2)
	assertClose(t, "MaskedFill", MaskedFill(a, mask, -9).ToSlice(), []float32{1, -9, 3, 4}, 0)
	// A causal mask broadcast over a batch.
	causal := FromSlice([]float32{0, 1, 0, 0}, 2, 2)
	got := MaskedFill(Zeros(3, 2, 2), causal, float32(math.Inf(-1))).ToSlice()
	for i, v := range got {
		if (i%4 == 1) != math.IsInf(float64(v), -1) {
			t.Fatalf("broadcast MaskedFill = %v", got)
		}
	}
}

func TestGradPowWhereMaskedFill(t *testing.T) {
	shapes := [][2][]int{{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{3, 1}, {1, 4}}, {{3}, {}}}
	for _, sh := range shapes {
		t.Run(fmt.Sprint("Pow", sh[0], sh[1]), func(t *testing.T) {
			gradCheck(t, "Pow", func(in []*Tensor) *Tensor { return Pow(in[0], in[1]) }, positive(randT(31, sh[0]...)), randT(32, sh[1]...))
		})
	}
	cond := FromSlice([]float32{1, 0, 0, 1, 1, 0}, 2, 3)
	t.Run("Where", func(t *testing.T) {
		gradCheck(t, "Where", func(in []*Tensor) *Tensor { return Where(cond, in[0], in[1]) }, randT(33, 2, 3), randT(34, 2, 3))
	})
	t.Run("Where broadcast", func(t *testing.T) {
		gradCheck(t, "Where", func(in []*Tensor) *Tensor { return Where(cond, in[0], in[1]) }, randT(35, 3), randT(36, 2, 1))
	})
	t.Run("MaskedFill broadcast", func(t *testing.T) {
		mask := FromSlice([]float32{0, 1, 1}, 3)
		gradCheck(t, "MaskedFill", func(in []*Tensor) *Tensor { return MaskedFill(in[0], mask, 7) }, randT(37, 2, 3))
	})
}

func TestSoftmaxValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 1000, 1000, 1000}, 2, 3)
	e := []float64{math.Exp(1), math.Exp(2), math.Exp(3)}
	s := e[0] + e[1] + e[2]
	want := []float32{float32(e[0] / s), float32(e[1] / s), float32(e[2] / s), 1. / 3, 1. / 3, 1. / 3}
	assertClose(t, "Softmax last", Softmax(x, -1).ToSlice(), want, 1e-6)
	assertClose(t, "Softmax axis 0 of transposed", Softmax(x.T(), 0).T().ToSlice(), want, 1e-6)
	ls := LogSoftmax(x, 1).ToSlice()
	for i := range want {
		if math.Abs(float64(ls[i])-math.Log(float64(want[i]))) > 1e-5 {
			t.Fatalf("LogSoftmax = %v", ls)
		}
	}
	// Middle axis of a 3-D tensor: every (i, ·, k) line sums to 1.
	y := Softmax(randT(40, 2, 5, 3), 1)
	for i := 0; i < 2; i++ {
		for k := 0; k < 3; k++ {
			var sum float32
			for j := 0; j < 5; j++ {
				sum += y.At(i, j, k)
			}
			if math.Abs(float64(sum-1)) > 1e-6 {
				t.Fatalf("line (%d,·,%d) sums to %v", i, k, sum)
			}
		}
	}
}

func TestGradSoftmax(t *testing.T) {
	for _, axis := range []int{-1, 0, 1} {
		t.Run(fmt.Sprint("Softmax", axis), func(t *testing.T) {
			gradCheck(t, "Softmax", func(in []*Tensor) *Tensor { return Softmax(in[0], axis) }, randT(41, 3, 4, 2))
		})
		t.Run(fmt.Sprint("LogSoftmax", axis), func(t *testing.T) {
			gradCheck(t, "LogSoftmax", func(in []*Tensor) *Tensor { return LogSoftmax(in[0], axis) }, randT(42, 3, 4, 2))
		})
	}
	t.Run("LogSoftmax of permuted view", func(t *testing.T) {
		gradCheck(t, "LogSoftmax", func(in []*Tensor) *Tensor { return LogSoftmax(in[0].Permute(1, 0), -1) }, randT(43, 4, 3))
	})
}

func TestSoftmaxLargeParallelMatchesRows(t *testing.T) {
	// Large enough to take the parallel path; compare with row-by-row.
	x := randT(44, 300, 129)
	y := Softmax(x, -1).ToSlice()
	for r := 0; r < 300; r += 37 {
		row := Softmax(x.Narrow(0, r, 1), -1).ToSlice()
		assertClose(t, "row", y[r*129:(r+1)*129], row, 0)
	}
}

func TestMaxMinArgMax(t *testing.T) {
	x := FromSlice([]float32{1, 5, 5, -2, 0, 3}, 2, 3)
	assertClose(t, "Max all", []float32{Max(x, false).Item()}, []float32{5}, 0)
	assertClose(t, "Max 1", Max(x, false, 1).ToSlice(), []float32{5, 3}, 0)
	assertClose(t, "Min 0", Min(x, true, 0).ToSlice(), []float32{-2, 0, 3}, 0)
	if s := Min(x, true, 0).Shape(); !sameShape(s, []int{1, 3}) {
		t.Fatalf("Min keepDims shape %v", s)
	}
	if got := ArgMax(x, 1); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("ArgMax = %v, want [1 2] (first of ties)", got)
	}
	if got := ArgMin(x, 0); fmt.Sprint(got) != "[1 1 1]" {
		t.Fatalf("ArgMin = %v", got)
	}
	if got := ArgMax(x.T(), 0); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("ArgMax of transpose = %v", got)
	}
	// Gradient of a tie goes to the first maximum only.
	v := FromSlice([]float32{1, 5, 5}, 3).RequiresGrad()
	Max(v, false).Backward()
	assertClose(t, "tie grad", v.Grad().ToSlice(), []float32{0, 1, 0}, 0)
}

func TestGradMaxMinVar(t *testing.T) {
	for _, axes := range [][]int{nil, {0}, {1}, {2}, {0, 2}, {-1, 1}} {
		t.Run(fmt.Sprint("Max", axes), func(t *testing.T) {
			gradCheck(t, "Max", func(in []*Tensor) *Tensor { return Max(in[0], false, axes...) }, distinct(51, 2, 3, 4))
		})
		t.Run(fmt.Sprint("Min keep", axes), func(t *testing.T) {
			gradCheck(t, "Min", func(in []*Tensor) *Tensor { return Min(in[0], true, axes...) }, distinct(52, 2, 3, 4))
		})
		t.Run(fmt.Sprint("Var", axes), func(t *testing.T) {
			gradCheck(t, "Var", func(in []*Tensor) *Tensor { return Var(in[0], false, true, axes...) }, randT(53, 2, 3, 4))
			gradCheck(t, "Var biased keep", func(in []*Tensor) *Tensor { return Var(in[0], true, false, axes...) }, randT(54, 2, 3, 4))
		})
	}
}

func TestVarValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 6, 8}, 2, 3)
	assertClose(t, "unbiased rows", Var(x, false, true, 1).ToSlice(), []float32{1, 4}, 1e-6)
	assertClose(t, "biased rows", Var(x, false, false, 1).ToSlice(), []float32{2. / 3, 8. / 3}, 1e-6)
	assertClose(t, "all", []float32{Var(x, false, true).Item()}, []float32{6.8}, 1e-5)
}

func TestJoinValues(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := FromSlice([]float32{5, 6}, 2, 1)
	assertClose(t, "Concat 1", Concat(1, a, b).ToSlice(), []float32{1, 2, 5, 3, 4, 6}, 0)
	assertClose(t, "Concat 0", Concat(0, a, b.T()).ToSlice(), []float32{1, 2, 3, 4, 5, 6}, 0)
	s := Stack(0, a, a)
	if !sameShape(s.Shape(), []int{2, 2, 2}) {
		t.Fatalf("Stack shape %v", s.Shape())
	}
	assertClose(t, "Stack -1", Stack(-1, a, MulScalar(a, 10)).ToSlice(), []float32{1, 10, 2, 20, 3, 30, 4, 40}, 0)
	parts := Split(Arange(0, 6, 1).Reshape(3, 2), 0, 1, 2)
	assertClose(t, "Split", parts[1].ToSlice(), []float32{2, 3, 4, 5}, 0)
	ch := Chunk(Arange(0, 5, 1), 0, 2)
	if len(ch) != 2 || ch[0].Numel() != 3 || ch[1].Numel() != 2 {
		t.Fatalf("Chunk sizes %v %v", ch[0].Shape(), ch[1].Shape())
	}
}

func TestGradJoin(t *testing.T) {
	gradCheck(t, "Concat", func(in []*Tensor) *Tensor { return Concat(1, in[0], in[1], in[2]) }, randT(61, 2, 3, 2), randT(62, 2, 1, 2), randT(63, 2, 2, 2))
	gradCheck(t, "Concat view", func(in []*Tensor) *Tensor { return Concat(0, in[0].T(), in[1]) }, randT(64, 3, 2), randT(65, 1, 3))
	gradCheck(t, "Stack", func(in []*Tensor) *Tensor { return Stack(1, in[0], in[1]) }, randT(66, 2, 3), randT(67, 2, 3))
	gradCheck(t, "Split", func(in []*Tensor) *Tensor {
		p := Split(in[0], 1, 1, 3)
		return Mul(p[0], p[1])
	}, randT(68, 2, 4))
	gradCheck(t, "Chunk", func(in []*Tensor) *Tensor {
		p := Chunk(in[0], 0, 2)
		return Sub(p[0], p[1])
	}, randT(69, 4, 3))
}

func TestIndexValues(t *testing.T) {
	x := Arange(0, 12, 1).Reshape(3, 4)
	assertClose(t, "IndexSelect 0", IndexSelect(x, 0, []int{2, 0, 2}).ToSlice(), []float32{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}, 0)
	assertClose(t, "IndexSelect 1", IndexSelect(x, 1, []int{3, 1}).ToSlice(), []float32{3, 1, 7, 5, 11, 9}, 0)
	e := Gather(x, []int{1, 1, 0, 2}, 2, 2)
	if !sameShape(e.Shape(), []int{2, 2, 4}) {
		t.Fatalf("Gather shape %v", e.Shape())
	}
	assertClose(t, "Gather", e.ToSlice()[:8], []float32{4, 5, 6, 7, 4, 5, 6, 7}, 0)
	g := GatherAlong(x, 1, []int{3, 0, 2})
	if !sameShape(g.Shape(), []int{3, 1}) {
		t.Fatalf("GatherAlong shape %v", g.Shape())
	}
	assertClose(t, "GatherAlong 1", g.ToSlice(), []float32{3, 4, 10}, 0)
	assertClose(t, "GatherAlong 0", GatherAlong(x, 0, []int{2, 1, 0, 0, 0, 0, 1, 2}).ToSlice(), []float32{8, 5, 2, 3, 0, 1, 6, 11}, 0)
}

func TestGradIndex(t *testing.T) {
	gradCheck(t, "IndexSelect", func(in []*Tensor) *Tensor { return IndexSelect(in[0], 1, []int{2, 0, 2, 1}) }, randT(71, 2, 3, 2))
	gradCheck(t, "Gather", func(in []*Tensor) *Tensor { return Gather(in[0], []int{4, 1, 4, 0, 1, 1}, 2, 3) }, randT(72, 5, 3))
	gradCheck(t, "Gather of a computed weight", func(in []*Tensor) *Tensor { return Gather(MulScalar(in[0], 2), []int{0, 2, 0}) }, randT(76, 3, 2))
	// A leaf weight's gradient is added in place and accumulates.
	w := randT(77, 4, 2).RequiresGrad()
	for i := 0; i < 2; i++ {
		Sum(Gather(w, []int{1, 3, 1}), false).Backward()
	}
	assertClose(t, "Gather accumulated", w.Grad().ToSlice(), []float32{0, 0, 4, 4, 0, 0, 2, 2}, 0)
	gradCheck(t, "GatherAlong", func(in []*Tensor) *Tensor { return GatherAlong(in[0], 1, []int{0, 2, 2, 1, 1, 0}) }, randT(73, 3, 4))
	gradCheck(t, "GatherAlong middle", func(in []*Tensor) *Tensor { return GatherAlong(in[0], 1, []int{0, 2, 1, 1, 0, 2}) }, randT(74, 2, 3, 3))
}

func TestDropout(t *testing.T) {
	x := Ones(1000)
	y := Dropout(x, 0.25, NewRNG(7), true).ToSlice()
	zeros := 0
	for _, v := range y {
		switch v {
		case 0:
			zeros++
		case 1 / 0.75:
		default:
			t.Fatalf("dropout value %v is neither 0 nor 1/(1-p)", v)
		}
	}
	if zeros < 200 || zeros > 300 {
		t.Fatalf("dropped %d of 1000 at p=0.25", zeros)
	}
	assertClose(t, "same seed", Dropout(x, 0.25, NewRNG(7), true).ToSlice(), y, 0)
	if Dropout(x, 0.5, NewRNG(1), false) != x {
		t.Fatal("eval-mode Dropout is not the identity")
	}
	assertClose(t, "p=1", Dropout(FromSlice([]float32{1, 2}, 2), 1, NewRNG(1), true).ToSlice(), []float32{0, 0}, 0)
	gradCheck(t, "Dropout", func(in []*Tensor) *Tensor { return Dropout(in[0], 0.4, NewRNG(3), true) }, randT(75, 4, 5))
}

func TestMoreShapeErrors(t *testing.T) {
	cases := []struct {
		op   string
		f    func()
		want []string
	}{
		{"Pow", func() { Pow(Zeros(2, 3), Zeros(2)) }, []string{"[2 3]", "[2]"}},
		{"Where", func() { Where(Zeros(2), Zeros(3), Zeros(3)) }, []string{"[2]", "[3]"}},
		{"MaskedFill", func() { MaskedFill(Zeros(3), Zeros(2, 3), 0) }, []string{"[2 3]", "[3]"}},
		{"Concat", func() { Concat(0, Zeros(2, 3), Zeros(2, 4)) }, []string{"[2 3]", "[2 4]"}},
		{"Stack", func() { Stack(0, Zeros(2, 3), Zeros(3, 2)) }, []string{"[2 3]", "[3 2]"}},
		{"Split", func() { Split(Zeros(5, 2), 0, 2, 2) }, []string{"[2 2]", "[5 2]"}},
		{"Gather", func() { Gather(Zeros(4, 2), []int{4}) }, []string{"4", "[4 2]"}},
		{"GatherAlong", func() { GatherAlong(Zeros(3, 4), 1, []int{0, 1}) }, []string{"[3 4]"}},
		{"Softmax", func() { Softmax(Zeros(3, 4), 2) }, []string{"axis 2", "[3 4]"}},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !contains(msg, "tensor."+c.op) {
					t.Errorf("panic %q does not name tensor.%s", msg, c.op)
				}
				for _, w := range c.want {
					if !contains(msg, w) {
						t.Errorf("panic %q does not mention %s", msg, w)
					}
				}
			}()
			c.f()
		})
	}
}

// TestLargeOpsMatchElementwise runs the parallel paths (tensors above the
// 32K-element threshold, strided and broadcast operands) against values
// computed one element at a time.
func TestLargeOpsMatchElementwise(t *testing.T) {
	x := randT(81, 200, 3, 70).Permute(1, 2, 0) // (3, 70, 200), strided
	y := randT(82, 70, 1)
	sum := Add(x, y)
	prod := Mul(y, x)
	th := Tanh(x)
	for i := 0; i < 3; i++ {
		for j := 0; j < 70; j++ {
			for k := 0; k < 200; k += 7 {
				xv, yv := x.At(i, j, k), y.At(j, 0)
				if sum.At(i, j, k) != xv+yv || prod.At(i, j, k) != yv*xv {
					t.Fatalf("at (%d,%d,%d): sum %v prod %v, want %v %v", i, j, k, sum.At(i, j, k), prod.At(i, j, k), xv+yv, xv*yv)
				}
				if d := math.Abs(float64(th.At(i, j, k)) - math.Tanh(float64(xv))); d > 1e-6 {
					t.Fatalf("tanh at (%d,%d,%d) off by %v", i, j, k, d)
				}
			}
		}
	}
	// Reductions of the broadcast back to y's shape, as the gradient does.
	g := sumTo(Ones(3, 70, 200), []int{70, 1})
	for _, v := range g.ToSlice() {
		if v != 600 {
			t.Fatalf("sumTo value %v, want 600", v)
		}
	}
}

func TestMatMulFoldedMatchesPerBatch(t *testing.T) {
	x, w := randT(91, 3, 5, 4), randT(92, 4, 6)
	got := MatMul(x, w) // contiguous (…,m,k)·(k,n): one folded GEMM
	if !sameShape(got.Shape(), []int{3, 5, 6}) {
		t.Fatalf("shape %v", got.Shape())
	}
	for b := 0; b < 3; b++ {
		want := MatMul(x.Narrow(0, b, 1).Squeeze(0), w).ToSlice()
		assertClose(t, "batch", got.Narrow(0, b, 1).ToSlice(), want, 1e-6)
	}
	gradCheck(t, "MatMul folded 4-D", func(in []*Tensor) *Tensor { return MatMul(in[0], in[1]) }, randT(93, 2, 2, 3, 4), randT(94, 4, 3))
	gradCheck(t, "MatMul strided 3-D", func(in []*Tensor) *Tensor { return MatMul(in[0].Transpose(0, 1), in[1]) }, randT(95, 3, 2, 4), randT(96, 4, 3))
}

func TestGradRemainingViews(t *testing.T) {
	gradCheck(t, "Unsqueeze+Squeeze", func(in []*Tensor) *Tensor { return in[0].Unsqueeze(1).Squeeze(0) }, randT(111, 1, 3))
	gradCheck(t, "Flatten", func(in []*Tensor) *Tensor { return in[0].Flatten(1, 2) }, randT(112, 2, 3, 2))
	gradCheck(t, "Transpose+Contiguous", func(in []*Tensor) *Tensor { return in[0].Transpose(0, 2).Contiguous() }, randT(113, 2, 3, 2))
	gradCheck(t, "Reshape of strided view", func(in []*Tensor) *Tensor { return in[0].T().Reshape(6) }, randT(114, 2, 3))
}

// TestGradCausalAttention checks the op chain of a causal attention head:
// batched Q·Kᵀ, scaling, a broadcast causal mask, softmax, ·V.
func TestGradCausalAttention(t *testing.T) {
	const T = 4
	mask := Zeros(T, T)
	for i := 0; i < T; i++ {
		for j := i + 1; j < T; j++ {
			mask.Set(1, i, j)
		}
	}
	gradCheck(t, "attention", func(in []*Tensor) *Tensor {
		q, k, v := in[0], in[1], in[2] // (B, H, T, d)
		att := MulScalar(MatMul(q, k.Transpose(-2, -1)), 0.5)
		att = Softmax(MaskedFill(att, mask, float32(math.Inf(-1))), -1)
		return MatMul(att, v)
	}, randT(121, 2, 2, T, 3), randT(122, 2, 2, T, 3), randT(123, 2, 2, T, 3))
}

// TestConcurrentReadersOfSharedWeights runs inference from several
// goroutines over one weight tensor, taking views of it (run with -race).
func TestConcurrentReadersOfSharedWeights(t *testing.T) {
	w := randT(131, 8, 6)
	x := randT(132, 4, 6)
	want := MatMul(x, w.T()).ToSlice()
	done := make(chan []float32)
	for g := 0; g < 4; g++ {
		go func() {
			var last []float32
			for i := 0; i < 50; i++ {
				y := MatMul(x, w.T())
				last = y.ToSlice()
				y.Release()
			}
			done <- last
		}()
	}
	for g := 0; g < 4; g++ {
		assertClose(t, "concurrent", <-done, want, 0)
	}
	assertClose(t, "weights intact", MatMul(x, w.T()).ToSlice(), want, 0)
}

// TestBroadcastRandomShapes compares broadcasting ops on random shapes and
// strided views with a direct index-by-index evaluation.
func TestBroadcastRandomShapes(t *testing.T) {
	rng := NewRNG(141)
	for trial := 0; trial < 200; trial++ {
		nd := 1 + rng.IntN(4)
		full := make([]int, nd)
		for i := range full {
			full[i] = 1 + rng.IntN(4)
		}
		if trial%10 == 0 { // large enough for the parallel path
			full[nd-1] = 40000 / numel(full[:nd-1])
		}
		pick := func(seed uint64) *Tensor {
			// A suffix of full with some dimensions set to 1, possibly
			// built as a transposed view.
			k := 1 + rng.IntN(nd)
			sh := append([]int(nil), full[nd-k:]...)
			for i := range sh {
				if rng.IntN(3) == 0 {
					sh[i] = 1
				}
			}
			if len(sh) >= 2 && rng.IntN(2) == 0 {
				rev := append([]int(nil), sh...)
				rev[0], rev[len(rev)-1] = rev[len(rev)-1], rev[0]
				return randT(seed, rev...).Transpose(0, len(rev)-1)
			}
			return randT(seed, sh...)
		}
		a, b, c := pick(uint64(trial)), pick(uint64(trial+1000)), pick(uint64(trial+2000))
		sum, prod, where := Add(a, b), Mul(a, b), Where(c, a, b)
		if !sameShape(sum.Shape(), broadcastShape("test", a.Shape(), b.Shape())) {
			t.Fatalf("shape %v for %v + %v", sum.Shape(), a.Shape(), b.Shape())
		}
		at := func(x *Tensor, idx []int) float32 {
			k := len(idx) - x.Dim()
			sub := make([]int, x.Dim())
			for i := range sub {
				if x.Shape()[i] != 1 {
					sub[i] = idx[k+i]
				}
			}
			return x.At(sub...)
		}
		idx := make([]int, sum.Dim())
		for n := 0; n < sum.Numel(); n += 1 + n%97 {
			r := n
			for d := sum.Dim() - 1; d >= 0; d-- {
				idx[d] = r % sum.Shape()[d]
				r /= sum.Shape()[d]
			}
			av, bv := at(a, idx), at(b, idx)
			if sum.At(idx...) != av+bv || prod.At(idx...) != av*bv {
				t.Fatalf("trial %d %v %v at %v: sum %v prod %v, want %v %v", trial, a.Shape(), b.Shape(), idx, sum.At(idx...), prod.At(idx...), av+bv, av*bv)
			}
			if len(where.Shape()) == len(idx) {
				want := bv
				if at(c, idx) != 0 {
					want = av
				}
				if where.At(idx...) != want {
					t.Fatalf("trial %d Where at %v = %v, want %v", trial, idx, where.At(idx...), want)
				}
			}
		}
	}
}
