package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/golemml/golem/tensor"
)

// Dense is Keras's fully connected layer: y = activation(x·kernel + bias),
// applied to the last axis of an input of any rank.
//
// The kernel is [in, units] (Keras's layout); torch.nn.Linear stores its
// weight as [out, in], so kernel = weight.T. Initial values are Keras's
// defaults: glorot_uniform kernel, zero bias.
type Dense struct {
	Units      int
	Activation string // linear (default), relu, sigmoid, tanh, softmax, gelu
	NoBias     bool   // Keras's use_bias=False

	base
	in           []int
	Kernel, Bias *tensor.Tensor `json:"-"`
}

// Build creates the kernel and bias.
func (d *Dense) Build(in []int, rng *rand.Rand) error {
	if d.name == "" {
		d.name = "dense"
	}
	if d.Units <= 0 {
		return fmt.Errorf("nn.Dense %q: Units must be positive, got %d", d.name, d.Units)
	}
	if len(in) == 0 || in[len(in)-1] <= 0 {
		return fmt.Errorf("nn.Dense %q: input shape %s needs a known last dimension", d.name, FormatShape(in))
	}
	if err := checkActivation("Dense", d.name, d.Activation); err != nil {
		return err
	}
	d.in = append([]int(nil), in...)
	d.params = nil
	d.Kernel = d.addParam("kernel", glorotUniform(rng, in[len(in)-1], d.Units), true)
	if !d.NoBias {
		d.Bias = d.addParam("bias", tensor.Zeros(d.Units), true)
	}
	out := append(append([]int(nil), in[:len(in)-1]...), d.Units)
	d.setOut(out...)
	d.built = true
	return nil
}

// Forward returns activation(x·kernel + bias).
func (d *Dense) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return activate(d.Activation, d.logits(x))
}

// logits returns x·kernel + bias before the activation.
func (d *Dense) logits(x *tensor.Tensor) *tensor.Tensor {
	d.mustBuilt("Dense")
	checkInput("Dense", d.name, x, d.in)
	sh := x.Shape()
	k := sh[len(sh)-1]
	x2 := x
	if len(sh) != 2 {
		x2 = x.Reshape(-1, k)
	}
	y := tensor.MatMul(x2, d.Kernel)
	if d.Bias != nil {
		y = tensor.Add(y, d.Bias)
	}
	if len(sh) != 2 {
		out := append(append([]int(nil), sh[:len(sh)-1]...), d.Units)
		y = y.Reshape(out...)
	}
	return y
}

// ComputeMask passes a mask through unchanged (Keras's Dense supports
// masking).
func (d *Dense) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor { return mask }

// Flatten reshapes each example to one dimension, as Keras's Flatten.
type Flatten struct {
	base
}

// Build records the flattened size.
func (f *Flatten) Build(in []int, rng *rand.Rand) error {
	if f.name == "" {
		f.name = "flatten"
	}
	for _, v := range in {
		if v < 0 {
			return fmt.Errorf("nn.Flatten %q: input shape %s has an unknown dimension", f.name, FormatShape(in))
		}
	}
	f.setOut(prod(in))
	f.built = true
	return nil
}

// Forward reshapes x to [batch, features].
func (f *Flatten) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	f.mustBuilt("Flatten")
	return x.Reshape(x.Size(0), -1)
}

// Dropout zeroes each input value with probability Rate during training and
// scales the others by 1/(1-Rate) (inverted dropout, as Keras). At
// inference it is the identity. Masks come from the seeded generator given
// to Build, so runs repeat exactly.
type Dropout struct {
	Rate float64

	base
	rng *rand.Rand
}

// Build keeps rng for the masks.
func (d *Dropout) Build(in []int, rng *rand.Rand) error {
	if d.name == "" {
		d.name = "dropout"
	}
	if d.Rate < 0 || d.Rate >= 1 {
		return fmt.Errorf("nn.Dropout %q: Rate %v outside [0, 1)", d.name, d.Rate)
	}
	d.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	d.setOut(in...)
	d.built = true
	return nil
}

// Forward applies dropout when training.
func (d *Dropout) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	d.mustBuilt("Dropout")
	if !training || d.Rate == 0 {
		return x
	}
	return tensor.Dropout(x, float32(d.Rate), d.rng, true)
}

// ComputeMask passes a mask through.
func (d *Dropout) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor { return mask }
