package tensor

import (
	"fmt"
	"math"
	"testing"
)

// explicitPerExample returns each example's gradient of W for y = x·W with
// output gradient g, computed by autograd one example at a time.
func explicitPerExample(x, g *Tensor, in, out int) [][]float32 {
	b := x.Size(0)
	var res [][]float32
	for e := 0; e < b; e++ {
		w := Zeros(in, out).RequiresGrad()
		xe := x.Narrow(0, e, 1)
		ge := g.Narrow(0, e, 1).Contiguous()
		Sum(Mul(MatMul(xe, w), ge), false).Backward()
		res = append(res, w.Grad().ToSlice())
	}
	return res
}

func TestLinearPerExampleGradients(t *testing.T) {
	cases := []struct {
		name          string
		x, g          []int
		wantGramInUse bool
	}{
		{"one row", []int{5, 4}, []int{5, 3}, false},
		{"short sequence (Gram)", []int{3, 2, 6}, []int{3, 2, 5}, true},
		{"long sequence (product)", []int{2, 9, 3}, []int{2, 9, 2}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, out := c.x[len(c.x)-1], c.g[len(c.g)-1]
			rows := numel(c.x[1 : len(c.x)-1])
			if gram := rows > 1 && rows*rows*(in+out) < rows*in*out; gram != c.wantGramInUse {
				t.Fatalf("case does not exercise the intended path (gram=%v)", gram)
			}
			x, g := randT(101, c.x...), randT(102, c.g...)
			per := explicitPerExample(x, g, in, out)
			norms := LinearGradSqNorms(x, g)
			scale := make([]float32, len(per))
			want := make([]float64, in*out)
			for e, p := range per {
				var n float64
				for _, v := range p {
					n += float64(v) * float64(v)
				}
				if math.Abs(float64(norms[e])-n) > 1e-4*math.Max(1, n) {
					t.Errorf("example %d: squared norm %v, explicit %v", e, norms[e], n)
				}
				scale[e] = float32(math.Min(1, 1/math.Sqrt(n))) // clip to norm 1
				for i, v := range p {
					want[i] += float64(scale[e]) * float64(v)
				}
			}
			got := LinearClippedGrad(x, g, scale).ToSlice()
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-5 {
					t.Fatalf("clipped sum [%d] = %v, explicit %v", i, got[i], want[i])
				}
			}
		})
	}
	defer func() {
		if msg := fmt.Sprint(recover()); !contains(msg, "tensor.LinearGradSqNorms") || !contains(msg, "[2 3]") {
			t.Errorf("shape panic %q", msg)
		}
	}()
	LinearGradSqNorms(Zeros(2, 3), Zeros(3, 4))
}
