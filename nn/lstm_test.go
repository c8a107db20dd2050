package nn

import (
	"testing"

	"github.com/golemml/golem/tensor"
)

func TestLSTMGradients(t *testing.T) {
	const B, T, D, H = 3, 5, 4, 3
	mask := tensor.FromSlice([]float32{
		1, 1, 1, 1, 1,
		0, 0, 1, 1, 1, // pre-padded
		1, 1, 0, 1, 1, // a hole
	}, B, T)
	for _, tc := range []struct {
		name    string
		seq     bool
		reverse bool
		mask    *tensor.Tensor
		initial bool
		zeroOut bool
	}{
		{"last", false, false, nil, false, false},
		{"sequences", true, false, nil, false, false},
		{"reverse", true, true, nil, false, false},
		{"masked", true, false, mask, false, false},
		{"masked-zero-out", true, false, mask, false, true},
		{"masked-reverse-last", false, true, mask, false, false},
		{"initial-state", true, false, mask, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &LSTM{Units: H, ReturnSequences: tc.seq, reverse: tc.reverse, zeroMaskedOut: tc.zeroOut}
			if err := l.Build([]int{T, D}, tensor.NewRNG(1)); err != nil {
				t.Fatal(err)
			}
			// Non-trivial biases.
			copy(l.Bias.Data(), tensor.RandN(tensor.NewRNG(2), 4*H).ToSlice())
			x := randLeaf(3, B, T, D)
			leaves := []*tensor.Tensor{x, l.Kernel, l.RecurrentKernel, l.Bias}
			var init []*tensor.Tensor
			if tc.initial {
				init = []*tensor.Tensor{randLeaf(4, B, H), randLeaf(5, B, H)}
				leaves = append(leaves, init...)
			}
			gradCheck(t, tc.name, func() *tensor.Tensor {
				out, st := l.ForwardState(x, tc.mask, init, true)
				// Use the output and both final states.
				s := tensor.Add(weighted(out, 7), weighted(st[1], 8))
				return tensor.Add(s, weighted(st[0], 9))
			}, leaves, 2e-2)
		})
	}
}

func TestGRUGradients(t *testing.T) {
	const B, T, D, H = 3, 5, 4, 3
	mask := tensor.FromSlice([]float32{
		1, 1, 1, 1, 1,
		0, 0, 1, 1, 1,
		1, 1, 0, 1, 1,
	}, B, T)
	for _, tc := range []struct {
		name    string
		seq     bool
		reverse bool
		mask    *tensor.Tensor
		initial bool
	}{
		{"last", false, false, nil, false},
		{"sequences", true, false, nil, false},
		{"reverse", true, true, nil, false},
		{"masked", true, false, mask, false},
		{"masked-reverse-last", false, true, mask, false},
		{"initial-state", true, false, mask, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &GRU{Units: H, ReturnSequences: tc.seq, reverse: tc.reverse}
			if err := l.Build([]int{T, D}, tensor.NewRNG(1)); err != nil {
				t.Fatal(err)
			}
			copy(l.Bias.Data(), tensor.RandN(tensor.NewRNG(2), 6*H).ToSlice())
			x := randLeaf(3, B, T, D)
			leaves := []*tensor.Tensor{x, l.Kernel, l.RecurrentKernel, l.Bias}
			var init []*tensor.Tensor
			if tc.initial {
				init = []*tensor.Tensor{randLeaf(4, B, H)}
				leaves = append(leaves, init...)
			}
			gradCheck(t, tc.name, func() *tensor.Tensor {
				out, st := l.ForwardState(x, tc.mask, init, true)
				return tensor.Add(weighted(out, 7), weighted(st[0], 8))
			}, leaves, 2e-2)
		})
	}
}

func TestBidirectionalGradientsAndShapes(t *testing.T) {
	const B, T, D, H = 2, 4, 3, 2
	mask := tensor.FromSlice([]float32{0, 1, 1, 1, 1, 1, 1, 1}, B, T)
	for _, mode := range []string{"concat", "sum", "ave", "mul"} {
		for _, seq := range []bool{false, true} {
			b := &Bidirectional{Layer: &LSTM{Units: H, ReturnSequences: seq}, MergeMode: mode}
			if err := b.Build([]int{T, D}, tensor.NewRNG(1)); err != nil {
				t.Fatal(err)
			}
			x := randLeaf(3, B, T, D)
			out := b.ForwardMasked(x, mask, true)
			want := []int{B, H}
			if seq {
				want = []int{B, T, H}
			}
			if mode == "concat" {
				want[len(want)-1] *= 2
			}
			if !sameShapes(out.Shape(), want) || !sameShapes(out.Shape()[1:], b.OutputShape()) {
				t.Fatalf("%s seq=%v: shape %v, OutputShape %v, want %v", mode, seq, out.Shape(), b.OutputShape(), want)
			}
			leaves := []*tensor.Tensor{x}
			for _, p := range b.Params() {
				leaves = append(leaves, p.Value)
			}
			gradCheck(t, mode, func() *tensor.Tensor { return weighted(b.ForwardMasked(x, mask, true), 5) }, leaves, 2e-2)
		}
	}
	// The backward direction at step 0 has seen the whole sequence: changing
	// the last input changes the output at step 0.
	b := &Bidirectional{Layer: &GRU{Units: H, ReturnSequences: true}}
	if err := b.Build([]int{T, D}, tensor.NewRNG(1)); err != nil {
		t.Fatal(err)
	}
	x := tensor.RandN(tensor.NewRNG(3), 1, T, D)
	y0 := b.Forward(x, false).ToSlice()
	x.Set(x.At(0, T-1, 0)+1, 0, T-1, 0)
	y1 := b.Forward(x, false).ToSlice()
	if y0[0] != y1[0] || y0[H] == y1[H] {
		t.Errorf("step 0: forward half must ignore the last input (%v vs %v), backward half must see it (%v vs %v)", y0[0], y1[0], y0[H], y1[H])
	}
}
