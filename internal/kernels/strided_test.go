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

// TestStridedRowsHeads checks DotRowsHeads and AxpyRowsHeads against
// float64 sums, for head sizes on and off the vector widths, tail rows,
// padded rows and padded per-head strides; cells outside the outputs stay
// as they were.
func TestStridedRowsHeads(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, hs := range []int{7, 8, 16, 32, 48, 64} {
		for _, nh := range []int{1, 3, 4, 12} {
			for _, rows := range []int{0, 1, 3, 4, 5, 41} {
				for _, pad := range []int{0, 5} {
					C := nh * hs
					ld, hld := C+pad, rows+pad
					m := randSlice(r, max(rows*ld, 1))
					x := randSlice(r, C)
					s0 := randSlice(r, nh*hld)
					s := append([]float32(nil), s0...)
					DotRowsHeads(s, hld, x, hs, m, ld, rows)
					for h := range nh {
						for j := range hld {
							got := s[h*hld+j]
							if j >= rows {
								if got != s0[h*hld+j] {
									t.Fatalf("DotRowsHeads hs=%d nh=%d rows=%d: s[%d] past the rows changed", hs, nh, rows, h*hld+j)
								}
								continue
							}
							var want, abs float64
							for d := range hs {
								p := float64(x[h*hs+d]) * float64(m[j*ld+h*hs+d])
								want += p
								abs += math.Abs(p)
							}
							if d := math.Abs(float64(got) - want); d > 4*float64(hs+2)*gemmEps*abs+1e-30 {
								t.Fatalf("DotRowsHeads hs=%d nh=%d rows=%d ld=%d: head %d row %d = %g, want %g", hs, nh, rows, ld, h, j, got, want)
							}
						}
					}
					a := randSlice(r, nh*hld)
					y0 := randSlice(r, C)
					y := append([]float32(nil), y0...)
					AxpyRowsHeads(y, hs, a, hld, m, ld, rows)
					for h := range nh {
						for d := range hs {
							i := h*hs + d
							want, abs := float64(y0[i]), math.Abs(float64(y0[i]))
							for j := range rows {
								p := float64(a[h*hld+j]) * float64(m[j*ld+i])
								want += p
								abs += math.Abs(p)
							}
							if e := math.Abs(float64(y[i]) - want); e > 4*float64(rows+2)*gemmEps*abs+1e-30 {
								t.Fatalf("AxpyRowsHeads hs=%d nh=%d rows=%d ld=%d: y[%d] = %g, want %g", hs, nh, rows, ld, i, y[i], want)
							}
						}
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
		"DotRowsHeads not whole heads": func() {
			DotRowsHeads(make([]float32, 8), 4, make([]float32, 30), 16, make([]float32, 4*32), 32, 4)
		},
		"DotRowsHeads short s": func() {
			DotRowsHeads(make([]float32, 7), 4, make([]float32, 32), 16, make([]float32, 4*32), 32, 4)
		},
		"AxpyRowsHeads short x": func() {
			AxpyRowsHeads(make([]float32, 32), 16, make([]float32, 8), 4, make([]float32, 3*32+31), 32, 4)
		},
		"AxpyRowsHeads small head stride": func() {
			AxpyRowsHeads(make([]float32, 32), 16, make([]float32, 8), 3, make([]float32, 4*32), 32, 4)
		},
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
