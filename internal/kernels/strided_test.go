package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStridedRowsHeads checks DotRowsHeads and AxpyRowsHeads against
// float64 sums, for head sizes on and off the vector widths, tail rows,
// padded rows and padded per-head strides; cells outside the outputs stay
// as they were.
func TestStridedRowsHeads(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, hs := range []int{1, 7, 8, 16, 24, 32, 48, 64, 128} {
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
		"DotRowsHeads short matrix": func() {
			DotRowsHeads(make([]float32, 3), 3, make([]float32, 8), 8, make([]float32, 2*10+7), 10, 3)
		},
		"DotRowsHeads small ld": func() {
			DotRowsHeads(make([]float32, 2), 2, make([]float32, 8), 8, make([]float32, 64), 7, 2)
		},
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
