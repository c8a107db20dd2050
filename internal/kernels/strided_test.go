package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestStridedRows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 7, 8, 16, 24, 32, 40, 48, 64, 80, 100, 112, 128} {
		for _, rows := range []int{0, 1, 4, 5, 8, 41} {
			for _, pad := range []int{0, 3, 96} {
				ld := n + pad
				m := randSlice(r, max(rows*ld, 1))
				x := randSlice(r, n)
				// DotRows against float64 dot products.
				s := randSlice(r, rows)
				DotRows(s, x, m, ld)
				for j := range s {
					var want, abs float64
					for i := range n {
						p := float64(x[i]) * float64(m[j*ld+i])
						want += p
						abs += math.Abs(p)
					}
					if d := math.Abs(float64(s[j]) - want); d > 4*float64(n+2)*gemmEps*abs+1e-30 {
						t.Fatalf("DotRows n=%d rows=%d ld=%d: s[%d] = %g, want %g", n, rows, ld, j, s[j], want)
					}
				}
				// AxpyRows against float64 sums.
				a := randSlice(r, rows)
				y0 := randSlice(r, n)
				y := append([]float32(nil), y0...)
				AxpyRows(y, a, m, ld)
				for i := range y {
					want, abs := float64(y0[i]), math.Abs(float64(y0[i]))
					for j := range rows {
						p := float64(a[j]) * float64(m[j*ld+i])
						want += p
						abs += math.Abs(p)
					}
					if d := math.Abs(float64(y[i]) - want); d > 4*float64(rows+2)*gemmEps*abs+1e-30 {
						t.Fatalf("AxpyRows n=%d rows=%d ld=%d: y[%d] = %g, want %g", n, rows, ld, i, y[i], want)
					}
				}
			}
		}
	}
}

func TestStridedRowsPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"DotRows short matrix":  func() { DotRows(make([]float32, 3), make([]float32, 8), make([]float32, 2*10+7), 10) },
		"AxpyRows short matrix": func() { AxpyRows(make([]float32, 8), make([]float32, 3), make([]float32, 2*10+7), 10) },
		"DotRows small ld":      func() { DotRows(make([]float32, 2), make([]float32, 8), make([]float32, 64), 7) },
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
