package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDotInt8(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range append(rowSizes, 16, 32, 47, 4099) {
		x, y := make([]int8, n), make([]int8, n)
		for i := range x {
			x[i], y[i] = int8(r.IntN(256)-128), int8(r.IntN(256)-128)
		}
		if n > 2 {
			x[0], y[0], x[n-1], y[n-1] = -128, -128, -128, 127
		}
		var want int64
		for i := range x {
			want += int64(x[i]) * int64(y[i])
		}
		if got := DotInt8(x, y); int64(got) != want {
			t.Errorf("DotInt8 n=%d: %d, want %d", n, got, want)
		}
		if got := dotInt8Go(x, y); int64(got) != want {
			t.Errorf("dotInt8Go n=%d: %d, want %d", n, got, want)
		}
	}
}

func TestBF16(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3f80},
		{-2, 0xc000},
		{math.Float32frombits(0x3f808000), 0x3f80}, // tie, to even (down)
		{math.Float32frombits(0x3f818000), 0x3f82}, // tie, to even (up)
		{math.Float32frombits(0x3f808001), 0x3f81}, // above the tie
		{math.Float32frombits(0x3f807fff), 0x3f80}, // below the tie
		{math.MaxFloat32, 0x7f80},                  // rounds to +Inf
		{float32(math.Inf(-1)), 0xff80},
		{math.Float32frombits(0x00000001), 0x0000}, // smallest subnormal
		{math.Float32frombits(0x7f800001), 0x7fc0}, // signalling NaN made quiet
		{math.Float32frombits(0xffc00000), 0xffc0},
	} {
		if got := ToBF16(tc.in); uint16(got) != tc.want {
			t.Errorf("ToBF16(%g / %#08x) = %#04x, want %#04x", tc.in, math.Float32bits(tc.in), uint16(got), tc.want)
		}
	}
	// Round trip: every bfloat16 that is not NaN converts exactly.
	for u := 0; u < 1<<16; u++ {
		b := BF16(u)
		f := b.Float32()
		if f != f {
			continue
		}
		if back := ToBF16(f); back != b {
			t.Fatalf("%#04x → %g → %#04x", u, f, uint16(back))
		}
	}
	// Slices; the error of rounding is at most half a bfloat16 ulp (2⁻⁸ relative).
	src := rowRand(30, 1000, 3)
	bf := make([]BF16, len(src))
	back := make([]float32, len(src))
	ToBF16Slice(bf, src)
	FromBF16Slice(back, bf)
	for i, v := range src {
		if math.Abs(float64(back[i]-v)) > math.Abs(float64(v))/256 {
			t.Fatalf("bf16 round trip of %g gave %g", v, back[i])
		}
	}
}
