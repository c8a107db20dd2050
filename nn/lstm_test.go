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
