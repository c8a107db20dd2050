package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/golemml/golem/tensor"
)

// TimeDistributed applies Layer to every time step of a [batch, T, ...]
// input independently (same weights at each step), as Keras's
// TimeDistributed: the batch and time axes are merged, the layer runs
// once on [batch·T, ...], and the result is split back.
type TimeDistributed struct {
	Layer Layer `json:"-"`

	base
	in []int
}

// Build builds the inner layer on one step's shape.
func (t *TimeDistributed) Build(in []int, rng *rand.Rand) error {
	if t.name == "" {
		t.name = "time_distributed"
	}
	if t.Layer == nil {
		return fmt.Errorf("nn.TimeDistributed %q: no inner Layer", t.name)
	}
	if len(in) < 2 {
		return fmt.Errorf("nn.TimeDistributed %q: input shape %s needs a time axis and features", t.name, FormatShape(in))
	}
	if t.Layer.Name() == "" {
		t.Layer.SetName(t.name + "/" + kerasName(t.Layer))
	}
	if err := t.Layer.Build(in[1:], rng); err != nil {
		return fmt.Errorf("nn.TimeDistributed %q: %w", t.name, err)
	}
	t.in = append([]int(nil), in...)
	t.params = t.Layer.Params()
	t.setOut(append([]int{in[0]}, t.Layer.OutputShape()...)...)
	t.built = true
	return nil
}

// Forward applies the inner layer to every step.
func (t *TimeDistributed) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	t.mustBuilt("TimeDistributed")
	checkInput("TimeDistributed", t.name, x, t.in)
	sh := x.Shape()
	B, T := sh[0], sh[1]
	merged := append([]int{B * T}, sh[2:]...)
	y := t.Layer.Forward(x.Reshape(merged...), training)
	return y.Reshape(append([]int{B, T}, y.Shape()[1:]...)...)
}

// ComputeMask passes the time mask through.
func (t *TimeDistributed) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor { return mask }
