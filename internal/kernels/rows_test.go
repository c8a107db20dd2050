package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Tolerances of the row kernels, in float32 units of roundoff (eps = 2⁻²⁴)
// or ulps of the exact result. The assembly kernels reduce in 8-32 lanes
// where the Go ones reduce left to right, and use polynomial exp/tanh.
const (
	rowEps      = 1.0 / (1 << 24)
	reduceTolK  = 2 // reductions: |err| ≤ reduceTolK·n·eps·Σ|terms|
	expMaxULP   = 2 // Exp vs correctly rounded exp
	tanhMaxULP  = 4 // Tanh vs correctly rounded tanh
	geluMaxULP  = 8 // GELU vs float64 GELU rounded (|x| ≤ 8)
	elemRelTol  = 1e-5
	fdStep      = 1e-2 // central differences on float32 kernels
	fdTolerance = 3e-3
)

var rowSizes = []int{0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 255, 1000}

func rowRand(seed, n int, scale float64) []float32 {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(n)))
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64() * scale)
	}
	return s
}

// ulpDiff is the distance in representable float32s between a and b
// (NaN to NaN is 0; NaN to a number is huge).
func ulpDiff(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	key := func(f float32) int64 {
		u := int64(math.Float32bits(f))
		if u&(1<<31) != 0 {
			return -(u &^ (1 << 31))
		}
		return u
	}
	d := key(a) - key(b)
	if d < 0 {
		d = -d
	}
	return d
}

func TestDotSum(t *testing.T) {
	for _, n := range rowSizes {
		x, y := rowRand(1, n, 1), rowRand(2, n, 1)
		var abs, absx float64
		for i := range x {
			abs += math.Abs(float64(x[i] * y[i]))
			absx += math.Abs(float64(x[i]))
		}
		tol := reduceTolK*float64(n+1)*rowEps*abs + 1e-30
		if got, want := Dot(x, y), dotGo(x, y); math.Abs(float64(got-want)) > tol {
			t.Errorf("Dot n=%d: %g, Go %g (tol %g)", n, got, want, tol)
		}
		tol = reduceTolK*float64(n+1)*rowEps*absx + 1e-30
		if got, want := Sum(x), sumGo(x); math.Abs(float64(got-want)) > tol {
			t.Errorf("Sum n=%d: %g, Go %g (tol %g)", n, got, want, tol)
		}
	}
}

func TestAxpyScale(t *testing.T) {
	for _, n := range rowSizes {
		x, y := rowRand(3, n, 1), rowRand(4, n+5, 1) // y longer: the rest untouched
		got, want := append([]float32(nil), y...), append([]float32(nil), y...)
		Axpy(-1.75, x, got)
		axpyGo(-1.75, x, want)
		for i := range got {
			tol := 0.0 // beyond n: untouched
			if i < n {
				tol = 2 * rowEps * (math.Abs(float64(y[i])) + math.Abs(1.75*float64(x[i])))
			}
			if math.Abs(float64(got[i]-want[i])) > tol {
				t.Fatalf("Axpy n=%d: y[%d] = %g, Go %g", n, i, got[i], want[i])
			}
		}
		got, want = append([]float32(nil), x...), append([]float32(nil), x...)
		Scale(0.3, got)
		scaleGo(0.3, want)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Scale n=%d: x[%d] = %g, Go %g", n, i, got[i], want[i])
			}
		}
	}
}

func TestMax(t *testing.T) {
	if m := Max(nil); !math.IsInf(float64(m), -1) {
		t.Fatalf("Max(nil) = %g, want -Inf", m)
	}
	nan := float32(math.NaN())
	for _, n := range rowSizes[1:] {
		x := rowRand(5, n, 3)
		x[n/2] = nan // NaNs are skipped, as by the Go loop
		if got, want := Max(x), maxGo(x); got != want {
			t.Errorf("Max n=%d: %g, Go %g", n, got, want)
		}
		for i := range x {
			x[i] = -float32(i) - 1
		}
		x[n-1] = nan
		if got, want := Max(x), maxGo(x); got != want {
			t.Errorf("Max n=%d decreasing: %g, Go %g", n, got, want)
		}
	}
	if got := Max([]float32{nan, nan, nan}); !math.IsInf(float64(got), -1) {
		t.Errorf("Max(all NaN) = %g, want -Inf as the Go loop", got)
	}
}

func TestExpAccuracy(t *testing.T) {
	var xs []float32
	for x := -110.0; x <= 92; x += 0.0137 {
		xs = append(xs, float32(x))
	}
	for x := -1.0; x <= 1; x += 1.0 / 1024 {
		xs = append(xs, float32(x))
	}
	inf := float32(math.Inf(1))
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 88.72, 88.7228, 88.7229, 88.73, 89, 1e10, inf, -inf,
		-87.33, -87.34, -100, -103.2, -103.97, -103.98, -104, -104.5, -1e10, 1e-30, -1e-30)
	got := make([]float32, len(xs))
	Exp(got, xs)
	worst := int64(0)
	for i, x := range xs {
		want := float32(math.Exp(float64(x)))
		if d := ulpDiff(got[i], want); d > worst {
			worst = d
			if d > expMaxULP {
				t.Errorf("Exp(%g) = %g, want %g (%d ulp)", x, got[i], want, d)
			}
		}
	}
	t.Logf("Exp: worst %d ulp over %d points", worst, len(xs))
	nan := []float32{float32(math.NaN())}
	Exp(nan, nan)
	if nan[0] == nan[0] {
		t.Errorf("Exp(NaN) = %g", nan[0])
	}
	// Every length, so the masked tail runs at each width.
	for _, n := range rowSizes {
		x := rowRand(6, n, 10)
		d := make([]float32, n+3)
		Exp(d, x)
		for i, v := range x {
			if ulpDiff(d[i], float32(math.Exp(float64(v)))) > expMaxULP {
				t.Fatalf("Exp n=%d: [%d] = %g", n, i, d[i])
			}
		}
		if d[n] != 0 || d[n+1] != 0 {
			t.Fatalf("Exp n=%d wrote past the end", n)
		}
	}
}

func TestTanhAccuracy(t *testing.T) {
	var xs []float32
	for x := -12.0; x <= 12; x += 0.00731 {
		xs = append(xs, float32(x))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 0.625, -0.625, 0.62499, 1e-20, -1e-7, 50, -50,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	for _, n := range rowSizes {
		xs = append(xs, rowRand(7, n, 2)...)
	}
	got := make([]float32, len(xs))
	Tanh(got, xs)
	worst := int64(0)
	for i, x := range xs {
		want := float32(math.Tanh(float64(x)))
		d := ulpDiff(got[i], want)
		worst = max(worst, d)
		if d > tanhMaxULP {
			t.Errorf("Tanh(%g) = %g, want %g (%d ulp)", x, got[i], want, d)
		}
	}
	t.Logf("Tanh: worst %d ulp over %d points", worst, len(xs))
}

// gelu64 is GELU in float64, written as x·σ(2u) = x·(1+tanh u)/2 so that
// the negative tail keeps its relative precision.
func gelu64(x float64) float64 {
	u := geluC * (x + 0.044715*x*x*x)
	return x / (1 + math.Exp(-2*u))
}

// geluGrad64 is GELU' in float64: σ + 2x·σ(1-σ)·u'.
func geluGrad64(x float64) float64 {
	u := geluC * (x + 0.044715*x*x*x)
	s := 1 / (1 + math.Exp(-2*u))
	return s + 2*x*s*(1-s)*geluC*(1+3*0.044715*x*x)
}

func TestGELU(t *testing.T) {
	var xs []float32
	for x := -8.0; x <= 8; x += 0.00917 {
		xs = append(xs, float32(x))
	}
	xs = append(xs, 0, 1e-20, -1e-20)
	got := make([]float32, len(xs))
	GELU(got, xs)
	goRef := make([]float32, len(xs))
	geluGo(goRef, xs)
	worst := int64(0)
	for i, x := range xs {
		want := float32(gelu64(float64(x)))
		d := ulpDiff(got[i], want)
		worst = max(worst, d)
		// In the negative tail GELU ≈ x·exp(2u) is ill-conditioned: an
		// input rounding of half an ulp moves it by κ/2 ulps, κ = |x·f'/f|.
		// Allow geluMaxULP plus κ ulps. (The Go version, 1 + tanh in
		// float32, is only accurate to absolute error there.)
		xf := float64(x)
		kappa := 0.0
		if f := gelu64(xf); f != 0 {
			kappa = math.Abs(xf * geluGrad64(xf) / f)
		}
		if float64(d) > geluMaxULP+kappa {
			t.Errorf("GELU(%g) = %g, want %g (%d ulp)", x, got[i], want, d)
		}
		if e := math.Abs(float64(goRef[i] - want)); e > 1e-6*(1+math.Abs(float64(x))) {
			t.Errorf("geluGo(%g) = %g, want %g", x, goRef[i], want)
		}
	}
	t.Logf("GELU: worst %d ulp over %d points", worst, len(xs))
	for _, n := range rowSizes {
		x := rowRand(8, n, 2)
		g, w := make([]float32, n), make([]float32, n)
		GELU(g, x)
		geluGo(w, x)
		for i := range g {
			if math.Abs(float64(g[i]-w[i])) > 1e-6*(1+math.Abs(float64(x[i]))) {
				t.Fatalf("GELU n=%d [%d]: %g, Go %g", n, i, g[i], w[i])
			}
		}
	}
}

func TestGELUBackward(t *testing.T) {
	impls := []struct {
		name string
		f    func(dx, dout, x []float32)
	}{{"GELUBackward", GELUBackward}, {"geluBackwardGo", geluBackwardGo}}
	for _, im := range impls {
		for _, n := range rowSizes {
			x, dout := rowRand(9, n, 2.5), rowRand(10, n, 1)
			dx0 := rowRand(11, n, 1)
			dx := append([]float32(nil), dx0...)
			im.f(dx, dout, x)
			for i := range x {
				want := float64(dx0[i]) + float64(dout[i])*geluGrad64(float64(x[i]))
				if math.Abs(float64(dx[i])-want) > elemRelTol*(1+math.Abs(want)) {
					t.Fatalf("%s n=%d [%d] x=%g: dx %g, want %g", im.name, n, i, x[i], dx[i], want)
				}
			}
		}
	}
	// Finite differences on the float32 forward kernel.
	x := []float32{-5, -2.5, -1, -0.3, 0, 0.2, 0.7, 1.5, 3, 6}
	dx := make([]float32, len(x))
	ones := make([]float32, len(x))
	for i := range ones {
		ones[i] = 1
	}
	GELUBackward(dx, ones, x)
	for i, v := range x {
		p, m := []float32{v + fdStep}, []float32{v - fdStep}
		GELU(p, p)
		GELU(m, m)
		fd := float64(p[0]-m[0]) / (2 * fdStep)
		if math.Abs(fd-float64(dx[i])) > fdTolerance*(1+math.Abs(fd)) {
			t.Errorf("GELU'(%g) = %g, finite difference %g", v, dx[i], fd)
		}
	}
}

func TestSoftmax(t *testing.T) {
	for _, n := range rowSizes[1:] {
		for _, scale := range []float64{1, 30} {
			x := rowRand(12, n, scale)
			got, want := make([]float32, n), make([]float32, n)
			Softmax(got, x)
			softmaxGo(want, x)
			var total float64
			for i := range got {
				total += float64(got[i])
				if math.Abs(float64(got[i]-want[i])) > elemRelTol*float64(want[i])+1e-30 {
					t.Fatalf("Softmax n=%d scale=%g [%d]: %g, Go %g", n, scale, i, got[i], want[i])
				}
			}
			if math.Abs(total-1) > 1e-5 {
				t.Fatalf("Softmax n=%d: sums to %g", n, total)
			}
			lg, lw := append([]float32(nil), x...), make([]float32, n)
			LogSoftmax(lg, lg) // in place
			logSoftmaxGo(lw, x)
			for i := range lg {
				if math.Abs(float64(lg[i]-lw[i])) > elemRelTol*(1+math.Abs(float64(lw[i]))) {
					t.Fatalf("LogSoftmax n=%d [%d]: %g, Go %g", n, i, lg[i], lw[i])
				}
			}
			// In place Softmax too.
			Softmax(x, x)
			for i := range x {
				if x[i] != got[i] {
					t.Fatalf("Softmax in place n=%d [%d]: %g, not %g", n, i, x[i], got[i])
				}
			}
		}
	}
}

func TestLayerNorm(t *testing.T) {
	for _, n := range rowSizes[1:] {
		for _, affine := range []bool{true, false} {
			name := fmt.Sprintf("n=%d/affine=%v", n, affine)
			x := rowRand(13, n, 2)
			for i := range x {
				x[i] += 5 // a large mean
			}
			var w, b, dw, db []float32
			if affine {
				w, b = rowRand(14, n, 1), rowRand(15, n, 1)
				dw, db = rowRand(16, n, 1), rowRand(17, n, 1)
			}
			got, want := make([]float32, n), make([]float32, n)
			m1, r1 := LayerNorm(got, x, w, b, 1e-5)
			m2, r2 := layerNormGo(want, x, w, b, 1e-5)
			if math.Abs(float64(m1-m2)) > 1e-6*5 || math.Abs(float64(r1-r2)) > elemRelTol*float64(r2) {
				t.Fatalf("LayerNorm %s: mean, rstd = %g, %g; Go %g, %g", name, m1, r1, m2, r2)
			}
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > elemRelTol*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("LayerNorm %s [%d]: %g, Go %g", name, i, got[i], want[i])
				}
			}
			dout := rowRand(18, n, 1)
			dx1, dx2 := rowRand(19, n, 1), rowRand(19, n, 1)
			dw1, db1 := append([]float32(nil), dw...), append([]float32(nil), db...)
			dw2, db2 := append([]float32(nil), dw...), append([]float32(nil), db...)
			if !affine {
				dw1, db1, dw2, db2 = nil, nil, nil, nil
			}
			LayerNormBackward(dx1, dw1, db1, dout, x, w, m2, r2)
			layerNormBackwardGo(dx2, dw2, db2, dout, x, w, m2, r2)
			for i := range dx1 {
				tol := 1e-4 * (1 + math.Abs(float64(dx2[i])))
				if math.Abs(float64(dx1[i]-dx2[i])) > tol {
					t.Fatalf("LayerNormBackward %s dx[%d]: %g, Go %g", name, i, dx1[i], dx2[i])
				}
				if affine && (math.Abs(float64(dw1[i]-dw2[i])) > tol || math.Abs(float64(db1[i]-db2[i])) > tol) {
					t.Fatalf("LayerNormBackward %s dw/db[%d]: %g/%g, Go %g/%g", name, i, dw1[i], db1[i], dw2[i], db2[i])
				}
			}
		}
	}
}

// TestLayerNormGradient checks LayerNormBackward against central
// differences of L = Σ r·LayerNorm(x; w, b) for x, w and b.
func TestLayerNormGradient(t *testing.T) {
	const n = 13
	x, w, b, r := rowRand(20, n, 1), rowRand(21, n, 1), rowRand(22, n, 1), rowRand(23, n, 1)
	loss := func() float64 {
		out := make([]float32, n)
		LayerNorm(out, x, w, b, 1e-5)
		var s float64
		for i := range out {
			s += float64(r[i]) * float64(out[i])
		}
		return s
	}
	out := make([]float32, n)
	mean, rstd := LayerNorm(out, x, w, b, 1e-5)
	dx, dw, db := make([]float32, n), make([]float32, n), make([]float32, n)
	LayerNormBackward(dx, dw, db, r, x, w, mean, rstd)
	for _, p := range []struct {
		name string
		v, g []float32
	}{{"x", x, dx}, {"w", w, dw}, {"b", b, db}} {
		for i := range p.v {
			old := p.v[i]
			p.v[i] = old + fdStep
			lp := loss()
			p.v[i] = old - fdStep
			lm := loss()
			p.v[i] = old
			fd := (lp - lm) / (2 * fdStep)
			if math.Abs(fd-float64(p.g[i])) > fdTolerance*(1+math.Abs(fd)) {
				t.Errorf("∂L/∂%s[%d] = %g, finite difference %g", p.name, i, p.g[i], fd)
			}
		}
	}
}

func TestRowKernelsPanicOnShortSlices(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Dot", func() { Dot(make([]float32, 3), make([]float32, 2)) }},
		{"Axpy", func() { Axpy(1, make([]float32, 3), make([]float32, 2)) }},
		{"Exp", func() { Exp(make([]float32, 2), make([]float32, 3)) }},
		{"GELUBackward", func() { GELUBackward(make([]float32, 3), make([]float32, 2), make([]float32, 3)) }},
		{"LayerNorm w", func() { LayerNorm(make([]float32, 3), make([]float32, 3), make([]float32, 2), nil, 1e-5) }},
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

func benchRow(b *testing.B, n int, f func(x, y []float32)) {
	// y starts 100 floats into its buffer so that x and y are not a
	// multiple of 4 KiB apart (4K aliasing would slow the stores).
	x, y := rowRand(1, n, 1), rowRand(2, n+100, 1)[100:]
	b.SetBytes(int64(4 * n))
	for b.Loop() {
		f(x, y)
	}
}

func BenchmarkRows(b *testing.B) {
	const n = 4096
	var sink float32
	kernels := []struct {
		name string
		f    func(x, y []float32)
	}{
		{"Dot", func(x, y []float32) { sink += Dot(x, y) }},
		{"Dot/go", func(x, y []float32) { sink += dotGo(x, y) }},
		{"Axpy", func(x, y []float32) { Axpy(1e-9, x, y) }},
		{"Sum", func(x, y []float32) { sink += Sum(x) }},
		{"Max", func(x, y []float32) { sink += Max(x) }},
		{"Exp", func(x, y []float32) { Exp(y, x) }},
		{"Exp/go", func(x, y []float32) { expGo(y, x) }},
		{"Softmax", func(x, y []float32) { Softmax(y, x) }},
		{"Softmax/go", func(x, y []float32) { softmaxGo(y, x) }},
		{"LogSoftmax", func(x, y []float32) { LogSoftmax(y, x) }},
		{"Tanh", func(x, y []float32) { Tanh(y, x) }},
		{"GELU", func(x, y []float32) { GELU(y, x) }},
		{"GELU/go", func(x, y []float32) { geluGo(y, x) }},
		{"GELUBackward", func(x, y []float32) { GELUBackward(y, x, x) }},
		{"LayerNorm", func(x, y []float32) { LayerNorm(y, x, x, x, 1e-5) }},
		{"LayerNorm/go", func(x, y []float32) { layerNormGo(y, x, x, x, 1e-5) }},
		{"LayerNormBackward", func(x, y []float32) { LayerNormBackward(y, y, y, x, x, x, 0, 1) }},
	}
	for _, k := range kernels {
		b.Run(k.name, func(b *testing.B) { benchRow(b, n, k.f) })
	}
	_ = sink
}

// Logits near ±1000 keep their log-probabilities to float32 precision of
// the log-probabilities themselves, not of the logits (1000+log Σ rounds
// to 6e-5).
func TestLogSoftmaxLargeLogits(t *testing.T) {
	for _, off := range []float32{1000, -1000, 3e4} {
		for _, n := range []int{3, 17, 600} {
			x := rowRand(5, n, 1)
			for i := range x {
				x[i] += off
			}
			got := make([]float32, n)
			for _, f := range []func(dst, src []float32){LogSoftmax, logSoftmaxGo} {
				f(got, x)
				// float64 reference from the offsets (x - off, as float32, is exact here)
				var m float64 = -math.MaxFloat64
				for _, v := range x {
					m = max(m, float64(v-off))
				}
				var s float64
				for _, v := range x {
					s += math.Exp(float64(v-off) - m)
				}
				for i, v := range x {
					want := float64(v-off) - m - math.Log(s)
					if d := math.Abs(float64(got[i]) - want); d > 4e-6*(1+math.Abs(want)) {
						t.Fatalf("offset %g n=%d [%d]: %g, want %g (diff %g)", off, n, i, got[i], want, d)
					}
				}
			}
		}
	}
}
