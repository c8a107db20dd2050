package nn

import (
	"fmt"
	"math"

	"github.com/golemml/golem/internal/kernels"
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
		return Sigmoid(x)
	case "softmax":
		return Softmax(x)
	case "gelu":
		return GELU(x)
	}
	panic(fmt.Sprintf("nn: unknown activation %q", act))
}

// Sigmoid returns 1/(1+e^-x) elementwise.
func Sigmoid(x *tensor.Tensor) *tensor.Tensor {
	x = contig(x)
	out := tensor.Empty(x.Shape()...)
	y := out.Data()
	for i, v := range x.Data() {
		y[i] = sigmoid(v)
	}
	return tensor.Op("Sigmoid", out, []*tensor.Tensor{x}, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.Empty(x.Shape()...)
		d, gd, y := dx.Data(), g.Data(), out.Data()
		for i := range d {
			d[i] = gd[i] * y[i] * (1 - y[i])
		}
		return []*tensor.Tensor{dx}
	})
}

func sigmoid(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

// Softmax returns the softmax over the last axis.
func Softmax(x *tensor.Tensor) *tensor.Tensor {
	x = contig(x)
	c := x.Size(-1)
	out := tensor.Empty(x.Shape()...)
	y, xd := out.Data(), x.Data()
	for r := 0; r < len(y); r += c {
		kernels.Softmax(y[r:r+c], xd[r:r+c])
	}
	return tensor.Op("Softmax", out, []*tensor.Tensor{x}, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.Empty(x.Shape()...)
		d, gd, y := dx.Data(), g.Data(), out.Data()
		for r := 0; r < len(d); r += c {
			s := kernels.Dot(gd[r:r+c], y[r:r+c])
			for j := r; j < r+c; j++ {
				d[j] = y[j] * (gd[j] - s)
			}
		}
		return []*tensor.Tensor{dx}
	})
}

// GELU returns x·Φ(x) elementwise (the exact erf form).
func GELU(x *tensor.Tensor) *tensor.Tensor {
	x = contig(x)
	out := tensor.Empty(x.Shape()...)
	y := out.Data()
	for i, v := range x.Data() {
		f := float64(v)
		y[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
	return tensor.Op("GELU", out, []*tensor.Tensor{x}, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.Empty(x.Shape()...)
		d, gd, xd := dx.Data(), g.Data(), x.Data()
		for i := range d {
			f := float64(xd[i])
			cdf := 0.5 * (1 + math.Erf(f/math.Sqrt2))
			pdf := math.Exp(-0.5*f*f) / math.Sqrt(2*math.Pi)
			d[i] = gd[i] * float32(cdf+f*pdf)
		}
		return []*tensor.Tensor{dx}
	})
}
