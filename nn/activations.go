package nn

import (
	"fmt"
	"math"

	"github.com/golemml/golem/tensor"
)

// activations lists the names Dense accepts, as Keras's strings.
var activations = map[string]bool{"": true, "linear": true, "relu": true, "sigmoid": true, "tanh": true, "softmax": true, "gelu": true}

func checkActivation(kind, name, act string) error {
	if !activations[act] {
		return fmt.Errorf("nn.%s %q: unknown activation %q (want linear, relu, sigmoid, tanh, softmax or gelu)", kind, name, act)
	}
	return nil
}

// activate applies a named activation. softmax is over the last axis; gelu
// is the exact (erf) form, Keras's and PyTorch's default.
func activate(act string, x *tensor.Tensor) *tensor.Tensor {
	switch act {
	case "", "linear":
		return x
	case "relu":
		return tensor.ReLU(x)
	case "tanh":
		return tensor.Tanh(x)
	case "sigmoid":
		return tensor.Sigmoid(x)
	case "softmax":
		return tensor.Softmax(x, -1)
	case "gelu":
		return tensor.GELU(x)
	}
	panic(fmt.Sprintf("nn: unknown activation %q", act))
}

// sigmoid is the scalar logistic function, stable for large |v|.
func sigmoid(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}
