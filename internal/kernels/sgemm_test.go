package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmEps is float32's unit roundoff. A k-term dot product accumulated in
// float32 (in any order) is off by at most about k·eps·Σ|a·b|; the tests
// allow gemmTolK·(k+2)·eps·(|alpha|·Σ|a·b| + |beta·c|), comparing two
// float32 results that both carry such an error.
const (
	gemmEps  = 1.0 / (1 << 24)
	gemmTolK = 2.0
)

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra leading-dimension beyond the width
	padC           int
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d/%d/%d",
		c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, c.padA, c.padB, c.padC)
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// runGemmCase runs one case through sgemm (an implementation of Sgemm,
// whose shapes and alpha/beta handling it must follow) and checks it
// against sgemmRef, the NaN-free handling of beta == 0, and that C outside
// the m×n window is untouched.
func runGemmCase(t *testing.T, tc gemmCase, sgemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(tc.m*1000003+tc.n*1009+tc.k), 7))
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := ac+tc.padA, bc+tc.padB, tc.n+tc.padC
	a := randSlice(r, max(ar*lda, 1))
	b := randSlice(r, max(br*ldb, 1))
	c0 := randSlice(r, max(tc.m*ldc, 1))
	if tc.beta == 0 {
		for i := range c0 {
			c0[i] = float32(math.NaN())
		}
	}
	got := append([]float32(nil), c0...)
	want := append([]float32(nil), c0...)
	sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	sgemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	// Σ|a·b| ≤ ‖row i of op(A)‖·‖column j of op(B)‖ bounds the error.
	rowNorm, colNorm := make([]float64, tc.m), make([]float64, tc.n)
	for p := 0; p < tc.k; p++ {
		for i := 0; i < tc.m; i++ {
			var v float64
			if tc.transA {
				v = float64(a[p*lda+i])
			} else {
				v = float64(a[i*lda+p])
			}
			rowNorm[i] += v * v
		}
		for j := 0; j < tc.n; j++ {
			var v float64
			if tc.transB {
				v = float64(b[j*ldb+p])
			} else {
				v = float64(b[p*ldb+j])
			}
			colNorm[j] += v * v
		}
	}
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			abs := math.Sqrt(rowNorm[i] * colNorm[j])
			bound := math.Abs(float64(tc.alpha)) * abs
			if tc.beta != 0 {
				bound += math.Abs(float64(tc.beta) * float64(c0[i*ldc+j]))
			}
			tol := gemmTolK*float64(tc.k+2)*gemmEps*bound + 1e-30
			g, w := got[i*ldc+j], want[i*ldc+j]
			if !(math.Abs(float64(g-w)) <= tol) {
				if bad < 5 {
					t.Errorf("%v: C[%d,%d] = %g, want %g (tol %.3g)", tc, i, j, g, w, tol)
				}
				bad++
			}
		}
		for j := tc.n; j < ldc && i*ldc+j < len(got); j++ {
			if g := got[i*ldc+j]; math.Float32bits(g) != math.Float32bits(c0[i*ldc+j]) {
				t.Fatalf("%v: C[%d,%d] beyond n was written: %g", tc, i, j, g)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d elements out of tolerance", tc, bad)
	}
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	sizes := [][3]int{
		{1, 1, 1}, {1, 7, 3}, {3, 1, 7}, {7, 3, 1}, {3, 3, 3}, {7, 7, 7},
		{17, 17, 17}, {33, 17, 7}, {17, 33, 255}, {33, 33, 33}, {1, 255, 33},
		{255, 1, 17}, {255, 33, 3}, {16, 32, 64}, {48, 64, 300}, {100, 70, 513},
		{130, 257, 40}, {1, 1000, 17},
	}
	for i, s := range sizes {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				tc := gemmCase{transA: tA, transB: tB, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0}
				switch (i + boolInt(tA) + 2*boolInt(tB)) % 4 {
				case 1:
					tc.alpha, tc.beta = 1.5, 0.25
				case 2:
					tc.alpha, tc.beta = -0.75, 1
				case 3:
					tc.alpha, tc.beta = 0.5, 0
					tc.padA, tc.padB, tc.padC = 3, 5, 2
				}
				if i%3 == 0 {
					tc.padA, tc.padB, tc.padC = 1, 2, 7
				}
				cs = append(cs, tc)
			}
		}
	}
	return cs
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSgemmImpls checks every implementation this CPU can run (pure Go and
// each assembly kernel) against the reference, on one and two threads.
func TestSgemmImpls(t *testing.T) {
	defer SetThreads(0)
	defer func() { directA = true }()
	for _, g := range gemmImpls() {
		for _, th := range []int{1, 2} {
			for _, direct := range []bool{true, false} {
				if !direct && g.direct == nil {
					continue
				}
				t.Run(fmt.Sprintf("%s/threads=%d/directA=%v", g.name, th, direct), func(t *testing.T) {
					directA = direct
					SetThreads(th)
					for _, tc := range gemmCases() {
						runGemmCase(t, tc, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
							checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
							if m == 0 || n == 0 {
								return
							}
							sgemmWith(g, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
						})
					}
				})
			}
		}
	}
}

// TestSgemmPublic runs the cases through Sgemm, which also takes the
// unpacked path for one or two rows.
func TestSgemmPublic(t *testing.T) {
	defer SetThreads(0)
	for _, th := range []int{1, 2} {
		SetThreads(th)
		for _, tc := range gemmCases() {
			runGemmCase(t, tc, Sgemm)
		}
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for m := 1; m <= 3; m++ {
					runGemmCase(t, gemmCase{transA: tA, transB: tB, m: m, n: 700, k: 300, alpha: 0.5, beta: 2, padA: 1, padB: 3, padC: 5}, Sgemm)
					runGemmCase(t, gemmCase{transA: tA, transB: tB, m: m, n: 300, k: 700, alpha: 1, beta: 0}, Sgemm)
				}
			}
		}
	}
}

// TestSgemmBlockEdges uses tiny cache blocks so that every path through the
// blocking (several kc slices with beta applied once, several nc panels,
// several mc blocks, row and column splits) runs on small matrices.
func TestSgemmBlockEdges(t *testing.T) {
	defer SetThreads(0)
	// Take the parallel path at these sizes too.
	defer func(w int) { parallelMinWork = w }(parallelMinWork)
	parallelMinWork = 1
	for _, g0 := range gemmImpls() {
		g := *g0
		g.kc, g.mc, g.nc = 5, 2*g.mr, 2*g.nr
		for _, th := range []int{1, 2} {
			SetThreads(th)
			for _, tc := range []gemmCase{
				{m: 3*g.mr + 1, n: 5*g.nr + 3, k: 23, alpha: 1.25, beta: 0.5},
				{transA: true, transB: true, m: 4*g.mr - 1, n: 2*g.nr + 1, k: 11, alpha: 1, beta: 0},
				{transB: true, m: 1, n: 7*g.nr + 5, k: 17, alpha: -2, beta: 1, padC: 3},
				{transA: true, m: 9*g.mr + 2, n: 1, k: 16, alpha: 1, beta: 0, padA: 4},
			} {
				t.Run(fmt.Sprintf("%s/threads=%d/%v", g.name, th, tc), func(t *testing.T) {
					runGemmCase(t, tc, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
						sgemmWith(&g, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
					})
				})
			}
		}
	}
}

// TestSgemmLarge runs the public entry point once on a 1000-cube, which
// takes every blocking path with the production block sizes.
func TestSgemmLarge(t *testing.T) {
	runGemmCase(t, gemmCase{m: 1000, n: 1000, k: 1000, alpha: 1, beta: 0}, Sgemm)
}

func TestSgemmDegenerate(t *testing.T) {
	nan := float32(math.NaN())
	// k == 0: C = beta·C, and beta == 0 clears NaNs.
	c := []float32{nan, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 0, nil, 2, 0, c, 2)
	for i, v := range c {
		if v != 0 {
			t.Fatalf("k=0, beta=0: c[%d] = %g, want 0", i, v)
		}
	}
	c = []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 0, nil, 2, 0.5, c, 2)
	if c[3] != 2 {
		t.Fatalf("k=0, beta=0.5: c[3] = %g, want 2", c[3])
	}
	// alpha == 0: A and B are not used in the result, even with NaNs.
	a := []float32{nan, nan}
	c = []float32{1, 2}
	Sgemm(false, false, 1, 2, 1, 0, a, 1, a, 2, 2, c, 2)
	if c[0] != 2 || c[1] != 4 {
		t.Fatalf("alpha=0: c = %v, want [2 4]", c)
	}
	// m == 0 or n == 0 is a no-op.
	Sgemm(false, false, 0, 5, 5, 1, nil, 5, make([]float32, 25), 5, 0, nil, 5)
}

func TestSgemmPanicsOnShortSlices(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"short a", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short b transposed", func() {
			Sgemm(false, true, 2, 3, 2, 1, make([]float32, 4), 2, make([]float32, 5), 2, 0, make([]float32, 6), 3)
		}},
		{"small ldc", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 4), 1)
		}},
		{"negative", func() { Sgemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}

func BenchmarkSgemm(b *testing.B) {
	for _, g := range gemmImpls() {
		for _, th := range []int{1, 2} {
			for _, n := range []int{128, 256, 512, 1024, 2048} {
				b.Run(fmt.Sprintf("%s/threads=%d/n=%d", g.name, th, n), func(b *testing.B) {
					SetThreads(th)
					defer SetThreads(0)
					r := rand.New(rand.NewPCG(1, 2))
					x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
					b.ResetTimer()
					for b.Loop() {
						sgemmWith(g, false, false, n, n, n, 1, x, n, y, n, 0, z, n)
					}
					b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			}
		}
	}
}

// The driver relies on these: panels hold whole strips, and edge tiles fit
// macroKernel's scratch tile.
func TestGemmImplShapes(t *testing.T) {
	for _, g := range gemmImpls() {
		if g.mc%g.mr != 0 || g.nc%g.nr != 0 || g.kc <= 0 {
			t.Errorf("%s: mr=%d nr=%d kc=%d mc=%d nc=%d", g.name, g.mr, g.nr, g.kc, g.mc, g.nc)
		}
	}
	if bestImpl.kern == nil {
		t.Fatal("no SGEMM implementation selected")
	}
}

// Sgemm called from several goroutines at once: one gets the pool, the
// others run inline; all results must be right.
func TestSgemmConcurrent(t *testing.T) {
	defer SetThreads(0)
	SetThreads(2)
	const m, n, k = 96, 80, 70
	r := rand.New(rand.NewPCG(5, 6))
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	want := make([]float32, m*n)
	sgemmRef(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			c := make([]float32, m*n)
			for rep := 0; rep < 20; rep++ {
				Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				for i := range c {
					if d := math.Abs(float64(c[i] - want[i])); d > 1e-3 {
						errs <- fmt.Errorf("goroutine result [%d] = %g, want %g", i, c[i], want[i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// checkPartialTile runs a micro-kernel that computes h rows of an h×nr
// tile of C (row stride ldc, with one more row that must stay untouched)
// from A, whose element (r, p) is at a[at(r, p)] and whose other elements
// are NaN, and a packed B strip, and compares C with alpha = 2 and beta.
func checkPartialTile(t *testing.T, what string, h, k, nr, aLen int, at func(r, p int) int, beta float32,
	run func(a, bp, c []float32, ldc int)) {
	t.Helper()
	ldc := nr + 3
	a := make([]float32, aLen)
	for i := range a {
		a[i] = float32(math.NaN())
	}
	for r := 0; r < h; r++ {
		for p := 0; p < k; p++ {
			a[at(r, p)] = float32((p*7+r*3)%11) - 5
		}
	}
	bp := make([]float32, k*nr)
	for i := range bp {
		bp[i] = float32(i%13) - 6
	}
	c := make([]float32, (h+1)*ldc)
	for i := range c {
		c[i] = float32(i % 5)
	}
	want := append([]float32(nil), c...)
	for r := 0; r < h; r++ {
		for j := 0; j < nr; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[at(r, p)] * bp[p*nr+j]
			}
			want[r*ldc+j] = 2*s + beta*want[r*ldc+j]
		}
	}
	run(a, bp, c, ldc)
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("%s, beta %g: c[%d] (row %d) = %g, want %g", what, beta, i, i/ldc, c[i], want[i])
		}
	}
}

// Each edge kernel computes the first h rows of its full kernel's tile from
// the same packed A: it must ignore the strip's other rows (NaN here) and
// leave C's rows past h alone.
func TestSgemmEdgeKernels(t *testing.T) {
	const k = 13
	for _, g := range gemmImpls() {
		for h := 1; h < len(g.edge); h++ {
			if g.edge[h] == nil {
				continue
			}
			for _, beta := range []float32{0, 0.5} {
				at := func(r, p int) int { return p*g.mr + r }
				checkPartialTile(t, fmt.Sprintf("%s edge %d rows", g.name, h), h, k, g.nr, k*g.mr, at, beta,
					func(a, bp, c []float32, ldc int) { g.edge[h](k, a, bp, c, ldc, 2, beta) })
			}
		}
	}
}

// Each direct kernel computes h rows of C from h rows of A read in place
// (lda apart): it must not read A's next row (NaN here) nor touch C's.
func TestSgemmDirectKernels(t *testing.T) {
	const k, lda = 13, 17
	for _, g := range gemmImpls() {
		for h := 1; h < len(g.direct); h++ {
			for _, beta := range []float32{0, 0.5} {
				at := func(r, p int) int { return r*lda + p }
				checkPartialTile(t, fmt.Sprintf("%s direct %d rows", g.name, h), h, k, g.nr, (h+1)*lda, at, beta,
					func(a, bp, c []float32, ldc int) { g.direct[h](k, a, lda, bp, c, ldc, 2, beta) })
			}
		}
	}
}

// BenchmarkSgemmTrans times the transposed products of a training step, at
// the baby GPT's sizes (768 rows of 128 wide, a 384-wide layer): the
// forward pass x·Wᵀ, the weight gradient dYᵀ·x and the input gradient dY·W.
func BenchmarkSgemmTrans(b *testing.B) {
	for _, c := range []struct {
		name           string
		transA, transB bool
		m, n, k        int
	}{
		{"xWt", false, true, 768, 384, 128},
		{"dYtX", true, false, 384, 128, 768},
		{"dYW", false, false, 768, 128, 384},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			a, bb, z := randSlice(r, c.m*c.k), randSlice(r, c.k*c.n), make([]float32, c.m*c.n)
			lda, ldb := c.k, c.n
			if c.transA {
				lda = c.m
			}
			if c.transB {
				ldb = c.k
			}
			for b.Loop() {
				Sgemm(c.transA, c.transB, c.m, c.n, c.k, 1, a, lda, bb, ldb, 0, z, c.n)
			}
			b.ReportMetric(2*float64(c.m*c.n*c.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// TestCopyGroups checks copyGroups (AVX-512 where the CPU has it, and the
// Go version) for every group width: each group lands whole, and nothing
// between or after the groups is written.
func TestCopyGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, asm := range []bool{true, false} {
		old := useAVX512Pack
		useAVX512Pack = asm && old
		for w := 1; w <= 16; w++ {
			for _, n := range []int{1, 2, 3, 4, 5, 9} {
				ss, ds := w+r.IntN(5), w+r.IntN(7)
				src := randSlice(r, (n-1)*ss+w)
				dst := make([]float32, (n-1)*ds+w+3)
				for i := range dst {
					dst[i] = -1
				}
				copyGroups(dst, ds, src, ss, n, w)
				for i := range dst {
					g, j := i/ds, i%ds
					want := float32(-1)
					if g < n && j < w {
						want = src[g*ss+j]
					}
					if dst[i] != want {
						t.Fatalf("asm %v, w %d, n %d, strides %d/%d: dst[%d] = %v, want %v", useAVX512Pack, w, n, ss, ds, i, dst[i], want)
					}
				}
			}
		}
		useAVX512Pack = old
	}
}
