package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/golemml/golem/tensor"
)

// recurrent is what Bidirectional needs of LSTM and GRU.
type recurrent interface {
	Layer
	ForwardState(x, mask *tensor.Tensor, initial []*tensor.Tensor, training bool) (*tensor.Tensor, []*tensor.Tensor)
	backwardCopy() recurrent
	setZeroMaskedOut()
}

func (l *LSTM) backwardCopy() recurrent {
	return &LSTM{Units: l.Units, ReturnSequences: l.ReturnSequences, reverse: true}
}
func (l *LSTM) setZeroMaskedOut() { l.zeroMaskedOut = true }
func (l *GRU) backwardCopy() recurrent {
	return &GRU{Units: l.Units, ReturnSequences: l.ReturnSequences, reverse: true}
}
func (l *GRU) setZeroMaskedOut() { l.zeroMaskedOut = true }

// Bidirectional runs an LSTM or GRU forwards and a copy of it (own weights)
// backwards over the sequence and merges the two outputs, as Keras's
// Bidirectional. The backward layer's outputs are put back in time order
// before merging, so step t of the output sees the whole sequence. MergeMode
// is "concat" (default), "sum", "mul" or "ave". With a mask and
// ReturnSequences, padded steps output zeros (Keras's zero_output_for_mask).
type Bidirectional struct {
	Layer     Layer `json:"-"`
	MergeMode string

	base
	fwd, bwd recurrent
}

func (b *Bidirectional) innerLayers() []Layer { return []Layer{b.Layer} }
func (b *Bidirectional) setInnerLayers(in []Layer) error {
	if len(in) != 1 {
		return fmt.Errorf("Bidirectional %q wraps %d layers, want 1", b.name, len(in))
	}
	b.Layer = in[0]
	return nil
}

// Build builds both directions.
func (b *Bidirectional) Build(in []int, rng *rand.Rand) error {
	if b.name == "" {
		b.name = "bidirectional"
	}
	r, ok := b.Layer.(recurrent)
	if !ok {
		return fmt.Errorf("nn.Bidirectional %q: Layer must be an LSTM or GRU, got %T", b.name, b.Layer)
	}
	switch b.MergeMode {
	case "", "concat", "sum", "mul", "ave":
	default:
		return fmt.Errorf("nn.Bidirectional %q: unknown MergeMode %q (want concat, sum, mul or ave)", b.name, b.MergeMode)
	}
	kind := kerasName(r)
	b.fwd, b.bwd = r, r.backwardCopy()
	b.fwd.setZeroMaskedOut()
	b.bwd.setZeroMaskedOut()
	b.fwd.SetName(b.name + "/forward_" + kind)
	b.bwd.SetName(b.name + "/backward_" + kind)
	if err := b.fwd.Build(in, rng); err != nil {
		return err
	}
	if err := b.bwd.Build(in, rng); err != nil {
		return err
	}
	b.params = append(append([]*Param(nil), b.fwd.Params()...), b.bwd.Params()...)
	out := append([]int(nil), b.fwd.OutputShape()...)
	if b.MergeMode == "" || b.MergeMode == "concat" {
		out[len(out)-1] *= 2
	}
	b.setOut(out...)
	b.built = true
	return nil
}

// Forward runs both directions without a mask.
func (b *Bidirectional) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return b.ForwardMasked(x, nil, training)
}

// ForwardMasked runs both directions and merges them.
func (b *Bidirectional) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	b.mustBuilt("Bidirectional")
	f, _ := b.fwd.ForwardState(x, mask, nil, training)
	r, _ := b.bwd.ForwardState(x, mask, nil, training)
	switch b.MergeMode {
	case "sum":
		return tensor.Add(f, r)
	case "mul":
		return tensor.Mul(f, r)
	case "ave":
		return tensor.MulScalar(tensor.Add(f, r), 0.5)
	}
	return tensor.Concat(-1, f, r)
}

// ComputeMask passes the mask on when the output is a sequence.
func (b *Bidirectional) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor {
	if mp, ok := b.Layer.(MaskPropagator); ok {
		return mp.ComputeMask(x, mask)
	}
	return nil
}
