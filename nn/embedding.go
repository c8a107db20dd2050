package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/golemml/golem/tensor"
)

// Embedding maps integer ids (held as float32 values) to dense vectors:
// [batch, T] ids → [batch, T, OutputDim], as Keras's Embedding and
// torch.nn.Embedding (weight [InputDim, OutputDim] in both).
//
// Initial values are Keras's default, uniform(-0.05, 0.05). With MaskZero
// id 0 is padding: the layer emits a mask (1 for ids ≠ 0) that recurrent
// layers use to skip padded steps, as Keras's mask_zero=True.
type Embedding struct {
	InputDim, OutputDim int
	MaskZero            bool

	base
	in         []int
	Embeddings *tensor.Tensor `json:"-"`
}

// Build creates the embedding matrix.
func (e *Embedding) Build(in []int, rng *rand.Rand) error {
	if e.name == "" {
		e.name = "embedding"
	}
	if e.InputDim <= 0 || e.OutputDim <= 0 {
		return fmt.Errorf("nn.Embedding %q: InputDim %d and OutputDim %d must be positive", e.name, e.InputDim, e.OutputDim)
	}
	e.in = append([]int(nil), in...)
	e.params = nil
	e.Embeddings = e.addParam("embeddings", tensor.RandU(rng, -0.05, 0.05, e.InputDim, e.OutputDim), true)
	e.setOut(append(append([]int(nil), in...), e.OutputDim)...)
	e.built = true
	return nil
}

// Forward gathers the rows of the embedding matrix. It panics on an id
// outside [0, InputDim), naming the id and its position.
func (e *Embedding) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	e.mustBuilt("Embedding")
	checkInput("Embedding", e.name, x, e.in)
	vals := x.ToSlice()
	ids := make([]int, len(vals))
	for i, f := range vals {
		id := int(f)
		if float32(id) != f || id < 0 || id >= e.InputDim {
			panic(fmt.Sprintf("nn.Embedding %q: id %v at flat position %d is not an integer in [0, %d)", e.name, f, i, e.InputDim))
		}
		ids[i] = id
	}
	return tensor.Gather(e.Embeddings, ids, x.Shape()...)
}

// ComputeMask returns ids ≠ 0 as 1/0 values when MaskZero is set.
func (e *Embedding) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor {
	if !e.MaskZero {
		return nil
	}
	ids := x.ToSlice()
	m := make([]float32, len(ids))
	for i, v := range ids {
		if v != 0 {
			m[i] = 1
		}
	}
	return tensor.FromSlice(m, x.Shape()...)
}
