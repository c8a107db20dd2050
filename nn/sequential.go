package nn

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"

	"github.com/golemml/golem/tensor"
)

// Sequential is a plain stack of layers, each feeding the next, as Keras's
// Sequential. It is itself a Layer, so stacks nest.
//
// Layers left unnamed get Keras's names at Build: the snake-cased type name,
// then "_1", "_2", ... for repeats ("dense", "dense_1"). A padding mask
// produced by a layer (Embedding with MaskZero) flows to the following
// layers that accept one (LSTM, GRU, Bidirectional, TimeDistributed,
// Dense, Dropout, GlobalAveragePooling1D), as in Keras.
type Sequential struct {
	Layers []Layer `json:"-"`

	base
	in []int
}

// NewSequential returns a stack of layers.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

var (
	snake1 = regexp.MustCompile(`(.)([A-Z][a-z0-9]+)`)
	snake2 = regexp.MustCompile(`([a-z])([A-Z])`)
)

// kerasName snake-cases a type name as Keras's to_snake_case.
func kerasName(l Layer) string {
	t := reflect.TypeOf(l)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := snake1.ReplaceAllString(t.Name(), "${1}_${2}")
	return strings.ToLower(snake2.ReplaceAllString(s, "${1}_${2}"))
}

// uniqueNames gives every unnamed layer a Keras-style unique name.
func uniqueNames(layers []Layer, used map[string]int) {
	for _, l := range layers {
		n := l.Name()
		if n == "" {
			n = kerasName(l)
			if c := used[n]; c > 0 {
				l.SetName(fmt.Sprintf("%s_%d", n, c))
			} else {
				l.SetName(n)
			}
			used[n]++
			continue
		}
		used[n]++
	}
}

// Build builds each layer on the previous layer's output shape.
func (s *Sequential) Build(in []int, rng *rand.Rand) error {
	if s.name == "" {
		s.name = "sequential"
	}
	if len(s.Layers) == 0 {
		return fmt.Errorf("nn.Sequential %q: no layers", s.name)
	}
	uniqueNames(s.Layers, map[string]int{})
	s.in = append([]int(nil), in...)
	shape := in
	s.params = nil
	for i, l := range s.Layers {
		if err := l.Build(shape, rng); err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
		shape = l.OutputShape()
		s.params = append(s.params, l.Params()...)
	}
	s.setOut(shape...)
	s.built = true
	return nil
}

// Forward runs the stack.
func (s *Sequential) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	return s.ForwardMasked(x, nil, training)
}

// ForwardMasked runs the stack with an incoming mask.
func (s *Sequential) ForwardMasked(x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	x, _ = s.run(s.Layers, x, mask, training)
	return x
}

// run applies layers in turn, threading the mask.
func (s *Sequential) run(layers []Layer, x, mask *tensor.Tensor, training bool) (*tensor.Tensor, *tensor.Tensor) {
	s.mustBuilt("Sequential")
	for _, l := range layers {
		y := applyLayer(l, x, mask, training)
		if mp, ok := l.(MaskPropagator); ok {
			mask = mp.ComputeMask(x, mask)
		} else {
			mask = nil
		}
		x = y
	}
	return x, mask
}

// applyLayer calls ForwardMasked when there is a mask and l takes one.
func applyLayer(l Layer, x, mask *tensor.Tensor, training bool) *tensor.Tensor {
	if mask != nil {
		if m, ok := l.(Masked); ok {
			return m.ForwardMasked(x, mask, training)
		}
	}
	return l.Forward(x, training)
}

// ComputeMask returns the mask after the whole stack.
func (s *Sequential) ComputeMask(x, mask *tensor.Tensor) *tensor.Tensor {
	for _, l := range s.Layers {
		mp, ok := l.(MaskPropagator)
		if !ok {
			return nil
		}
		mask = mp.ComputeMask(x, mask)
	}
	return mask
}
