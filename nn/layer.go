package nn

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/golemml/golem/tensor"
)

// Layer is one building block of a model, as a Keras layer.
//
// Shapes passed to Build and returned by OutputShape leave out the batch
// dimension (Keras's None); a -1 entry is a dimension unknown until run time
// (a variable sequence length).
type Layer interface {
	// Name returns the layer's name (set by Sequential or SetName).
	Name() string
	// SetName sets the name that prefixes the layer's parameter names.
	SetName(name string)
	// Build creates the layer's weights for inputs of inputShape (no batch
	// dimension), drawing initial values from rng. It returns an error when
	// the shape does not suit the layer.
	Build(inputShape []int, rng *rand.Rand) error
	// Forward applies the layer to a batch. training selects training
	// behaviour (Dropout drops, BatchNorm uses batch statistics).
	Forward(x *tensor.Tensor, training bool) *tensor.Tensor
	// Params returns the layer's weights (trainable and not), named
	// "<layer name>/<weight name>".
	Params() []*Param
	// OutputShape returns the output shape (no batch dimension) after Build.
	OutputShape() []int
}

// Param is one named weight of a layer. Trainable weights require
// gradients; non-trainable ones (BatchNorm's moving statistics) are updated
// by the layer itself.
type Param struct {
	Name      string
	Value     *tensor.Tensor
	Trainable bool
}

// Masked is implemented by layers that take a padding mask (from an
// Embedding with MaskZero): mask has shape [batch, time] with 1 for real
// steps and 0 for padding.
type Masked interface {
	ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor
}

// MaskPropagator is implemented by layers that emit a mask for the next
// layer. ComputeMask gets the layer's input and incoming mask (nil if none)
// and returns the outgoing mask or nil.
type MaskPropagator interface {
	ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor
}

// base holds what every layer shares: its name and built state.
type base struct {
	name   string
	built  bool
	out    []int
	params []*Param
}

func (b *base) Name() string        { return b.name }
func (b *base) SetName(n string)    { b.name = n }
func (b *base) Params() []*Param    { return b.params }
func (b *base) OutputShape() []int  { return b.out }
func (b *base) setOut(shape ...int) { b.out = append([]int(nil), shape...) }

// addParam registers a weight named "<layer>/<name>".
func (b *base) addParam(name string, t *tensor.Tensor, trainable bool) *tensor.Tensor {
	if trainable {
		t.RequiresGrad()
	}
	b.params = append(b.params, &Param{Name: b.name + "/" + name, Value: t, Trainable: trainable})
	return t
}

// mustBuilt panics if Forward is called before Build.
func (b *base) mustBuilt(kind string) {
	if !b.built {
		panic(fmt.Sprintf("nn.%s %q: Forward before Build (wrap the layer in a Model or call Build)", kind, b.name))
	}
}

// checkInput panics unless x has the built input shape (batch excluded;
// -1 entries match anything).
func checkInput(kind, name string, x *tensor.Tensor, in []int) {
	sh := x.Shape()
	ok := len(sh) == len(in)+1
	for i := 0; ok && i < len(in); i++ {
		if in[i] >= 0 && sh[i+1] != in[i] {
			ok = false
		}
	}
	if !ok {
		panic(fmt.Sprintf("nn.%s %q: input shape %v does not match built shape %s", kind, name, sh, FormatShape(in)))
	}
}

// FormatShape formats a shape without its batch dimension as Keras does,
// with None for the batch and for unknown (-1) dimensions: (None, 100, 128).
func FormatShape(shape []int) string {
	parts := []string{"None"}
	for _, d := range shape {
		if d < 0 {
			parts = append(parts, "None")
		} else {
			parts = append(parts, fmt.Sprint(d))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// contig returns x if it is contiguous, else a (recorded) contiguous copy.
func contig(x *tensor.Tensor) *tensor.Tensor {
	if x.IsContiguous() {
		return x
	}
	return x.Contiguous()
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// countParams returns the number of trainable and non-trainable values.
func countParams(ps []*Param) (trainable, frozen int) {
	for _, p := range ps {
		if p.Trainable {
			trainable += p.Value.Numel()
		} else {
			frozen += p.Value.Numel()
		}
	}
	return
}
