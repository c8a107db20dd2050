package kernels

import "math"

// Low-precision helpers for quantized inference.

// DotInt8 returns Σ x[i]·y[i] with int32 accumulation (wrapping on
// overflow, which needs over 131072 products of ±128).
func DotInt8(x, y []int8) int32 { return dotInt8(x, y[:len(x)]) }

func dotInt8Go(x, y []int8) int32 {
	y = y[:len(x)]
	var s int32
	for i, v := range x {
		s += int32(v) * int32(y[i])
	}
	return s
}

// BF16 is a bfloat16 value: the top 16 bits of a float32.
type BF16 uint16

// ToBF16 rounds f to the nearest bfloat16, ties to even, as PyTorch's
// tensor.to(torch.bfloat16) does. NaNs stay NaN (made quiet); ±Inf and
// values that round past the largest finite bfloat16 give ±Inf.
func ToBF16(f float32) BF16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 { // NaN
		return BF16(u>>16 | 0x0040)
	}
	u += 0x7fff + (u>>16)&1
	return BF16(u >> 16)
}

// Float32 returns b as a float32 (exact).
func (b BF16) Float32() float32 { return math.Float32frombits(uint32(b) << 16) }

// ToBF16Slice rounds src into dst (see ToBF16).
func ToBF16Slice(dst []BF16, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		dst[i] = ToBF16(f)
	}
}

// FromBF16Slice widens src into dst.
func FromBF16Slice(dst []float32, src []BF16) {
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = math.Float32frombits(uint32(b) << 16)
	}
}
