package tensor

import (
	"math"
	"testing"
)

func assertClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > tol {
			t.Fatalf("%s: got %v, want %v", name, got, want)
		}
	}
}

func TestBroadcastValues(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := FromSlice([]float32{10, 20, 30}, 3)
	assertClose(t, "row", Add(a, b).ToSlice(), []float32{11, 22, 33, 14, 25, 36}, 0)
	c := FromSlice([]float32{100, 200}, 2, 1)
	assertClose(t, "col", Add(a, c).ToSlice(), []float32{101, 102, 103, 204, 205, 206}, 0)
	assertClose(t, "transposed", Sub(a.T(), Zeros(3, 1)).ToSlice(), []float32{1, 4, 2, 5, 3, 6}, 0)
	if s := Add(Zeros(4, 1, 3), Zeros(2, 1)).Shape(); !sameShape(s, []int{4, 2, 3}) {
		t.Fatalf("broadcast shape %v", s)
	}
}

func TestMatMulValues(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := FromSlice([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	assertClose(t, "2d", MatMul(a, b).ToSlice(), []float32{4, 5, 10, 11}, 0)
	assertClose(t, "aT·a", MatMul(a.T(), a).ToSlice(), []float32{17, 22, 27, 22, 29, 36, 27, 36, 45}, 0)
	// Batched with broadcasting: (2,2,3)·(3,2) applies b to both.
	ab := FromSlice(append(append([]float32{}, a.Data()...), a.Data()...), 2, 2, 3)
	assertClose(t, "batched", MatMul(ab, b).ToSlice(), []float32{4, 5, 10, 11, 4, 5, 10, 11}, 0)
	assertClose(t, "vec·vec", []float32{MatMul(FromSlice([]float32{1, 2}, 2), FromSlice([]float32{3, 4}, 2)).Item()}, []float32{11}, 0)
}

func TestViewsShareStorage(t *testing.T) {
	x := Arange(0, 6, 1)
	v := x.Reshape(2, 3).T()
	if v.IsContiguous() {
		t.Fatal("transpose reported contiguous")
	}
	assertClose(t, "T", v.ToSlice(), []float32{0, 3, 1, 4, 2, 5}, 0)
	x.Data()[1] = 42
	if v.At(1, 0) != 42 {
		t.Fatal("view does not share storage")
	}
	assertClose(t, "narrow", x.Reshape(3, 2).Narrow(0, 1, 2).ToSlice(), []float32{2, 3, 4, 5}, 0)
}

func TestSeededRandomIsReproducible(t *testing.T) {
	a, b := RandN(NewRNG(5), 100).ToSlice(), RandN(NewRNG(5), 100).ToSlice()
	assertClose(t, "same seed", a, b, 0)
	u := RandU(NewRNG(1), -2, 3, 1000).ToSlice()
	for _, v := range u {
		if v < -2 || v >= 3 {
			t.Fatalf("RandU value %v outside [-2,3)", v)
		}
	}
}

func TestSumMeanValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	assertClose(t, "sum0", Sum(x, false, 0).ToSlice(), []float32{5, 7, 9}, 0)
	assertClose(t, "mean1", Mean(x, true, 1).ToSlice(), []float32{2, 5}, 1e-6)
	if s := Mean(x, true, 1).Shape(); !sameShape(s, []int{2, 1}) {
		t.Fatalf("keepdims shape %v", s)
	}
	if v := Sum(x, false).Item(); v != 21 {
		t.Fatalf("sum all = %v", v)
	}
}
