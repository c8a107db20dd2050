package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMatMulNT(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, m := range []int{1, 2, 5, 6, 7, 13, 16} {
		for _, n := range []int{1, 3, 4, 9, 64} {
			for _, k := range []int{16, 48, 20, 768} {
				lda, ldw, ldc := k+3, k+5, n+2
				a := randSlice(r, (m-1)*lda+k)
				w := randSlice(r, (n-1)*ldw+k)
				c := randSlice(r, (m-1)*ldc+n+1) // one past the last row's end must stay
				last := c[len(c)-1]
				MatMulNT(m, n, k, a, lda, w, ldw, c, ldc)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var want, abs float64
						for p := 0; p < k; p++ {
							v := float64(a[i*lda+p]) * float64(w[j*ldw+p])
							want += v
							abs += math.Abs(v)
						}
						if d := math.Abs(float64(c[i*ldc+j]) - want); d > 4*float64(k)*gemmEps*abs+1e-30 {
							t.Fatalf("m=%d n=%d k=%d: c[%d][%d] = %g, want %g", m, n, k, i, j, c[i*ldc+j], want)
						}
					}
				}
				if c[len(c)-1] != last {
					t.Fatalf("m=%d n=%d k=%d: wrote past C", m, n, k)
				}
			}
		}
	}
}

func TestMatMulNTPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short a":  func() { MatMulNT(2, 4, 16, make([]float32, 31), 16, make([]float32, 64), 16, make([]float32, 8), 4) },
		"short w":  func() { MatMulNT(2, 4, 16, make([]float32, 32), 16, make([]float32, 63), 16, make([]float32, 8), 4) },
		"short c":  func() { MatMulNT(2, 4, 16, make([]float32, 32), 16, make([]float32, 64), 16, make([]float32, 7), 4) },
		"small ld": func() { MatMulNT(2, 4, 16, make([]float32, 64), 8, make([]float32, 64), 16, make([]float32, 8), 4) },
		"negative": func() { MatMulNT(-1, 4, 16, nil, 16, nil, 16, nil, 4) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "MatMulNT") {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			f()
		}()
	}
}

// BenchmarkMatMulNT: 16 rows through GPT-2's c_fc (768→3072), one thread,
// beside SgemmPackedB on a copy of the weights packed beforehand.
func BenchmarkMatMulNT(b *testing.B) {
	const m, n, k = 16, 3072, 768
	r := rand.New(rand.NewPCG(1, 1))
	a, w, c := randSlice(r, m*k), randSlice(r, n*k), make([]float32, m*n)
	b.Run("NT", func(b *testing.B) {
		for range b.N {
			MatMulNT(m, n, k, a, k, w, k, c, n)
		}
		b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
	b.Run("packed", func(b *testing.B) {
		p := PackB(true, k, n, w, k)
		b.ResetTimer()
		for range b.N {
			SgemmPackedB(1, m, 1, a, k, p, 0, c, n)
		}
		b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
}
