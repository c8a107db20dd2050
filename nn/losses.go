package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/tensor"
)

// Epsilon is Keras's backend epsilon: probabilities are clipped to
// [Epsilon, 1-Epsilon] before a logarithm.
const Epsilon = 1e-7

// Loss maps a batch of predictions and targets to a scalar tensor, reduced
// as Keras's default "sum_over_batch_size": the mean over every example
// (and every time step of a sequence output).
type Loss interface {
	Name() string
	Compute(pred, target *tensor.Tensor) *tensor.Tensor
}

// LossByName returns a loss from its Keras name: "mse"
// (mean_squared_error), "mae" (mean_absolute_error), "binary_crossentropy",
// "categorical_crossentropy", "sparse_categorical_crossentropy" (all from
// probabilities).
func LossByName(name string) (Loss, error) {
	switch strings.ToLower(name) {
	case "mse", "mean_squared_error":
		return MSE{}, nil
	case "mae", "mean_absolute_error":
		return MAE{}, nil
	case "binary_crossentropy":
		return BinaryCrossentropy{}, nil
	case "categorical_crossentropy":
		return CategoricalCrossentropy{}, nil
	case "sparse_categorical_crossentropy":
		return SparseCategoricalCrossentropy{}, nil
	}
	return nil, fmt.Errorf("nn: unknown loss %q (want mse, mae, binary_crossentropy, categorical_crossentropy or sparse_categorical_crossentropy)", name)
}

// scalarLoss records a loss whose value and gradient with respect to pred
// (for an upstream gradient of 1) were computed by hand.
func scalarLoss(name string, pred *tensor.Tensor, value float64, grad []float32) *tensor.Tensor {
	out := tensor.Scalar(float32(value))
	return tensor.Op(name, out, []*tensor.Tensor{pred}, func(g *tensor.Tensor) []*tensor.Tensor {
		s := g.Item()
		dx := tensor.Empty(pred.Shape()...)
		d := dx.Data()
		for i, v := range grad {
			d[i] = s * v
		}
		return []*tensor.Tensor{dx}
	})
}

func sameCount(name string, pred, target *tensor.Tensor) {
	if pred.Numel() != target.Numel() {
		panic(fmt.Sprintf("nn.%s: prediction shape %v and target shape %v hold different counts", name, pred.Shape(), target.Shape()))
	}
}

// MSE is the mean squared error, mean((pred-target)²).
type MSE struct{}

func (MSE) Name() string { return "mean_squared_error" }

// Compute returns the loss.
func (MSE) Compute(pred, target *tensor.Tensor) *tensor.Tensor {
	sameCount("MSE", pred, target)
	p, y := pred.ToSlice(), target.ToSlice()
	n := float64(len(p))
	var sum float64
	grad := make([]float32, len(p))
	for i := range p {
		d := float64(p[i] - y[i])
		sum += d * d
		grad[i] = float32(2 * d / n)
	}
	return scalarLoss("MSE", contig(pred), sum/n, grad)
}

// MAE is the mean absolute error, mean(|pred-target|).
type MAE struct{}

func (MAE) Name() string { return "mean_absolute_error" }

// Compute returns the loss.
func (MAE) Compute(pred, target *tensor.Tensor) *tensor.Tensor {
	sameCount("MAE", pred, target)
	p, y := pred.ToSlice(), target.ToSlice()
	n := float64(len(p))
	var sum float64
	grad := make([]float32, len(p))
	for i := range p {
		d := float64(p[i] - y[i])
		sum += math.Abs(d)
		switch {
		case d > 0:
			grad[i] = float32(1 / n)
		case d < 0:
			grad[i] = float32(-1 / n)
		}
	}
	return scalarLoss("MAE", contig(pred), sum/n, grad)
}

// BinaryCrossentropy is -(y·log p + (1-y)·log(1-p)) averaged over all
// values. From probabilities it follows Keras: p is clipped to
// [ε, 1-ε] (no gradient where clipped) and ε is added inside each log. With
// FromLogits pred holds logits and the stable form
// max(z,0) - z·y + log(1+e^-|z|) is used.
type BinaryCrossentropy struct{ FromLogits bool }

func (BinaryCrossentropy) Name() string { return "binary_crossentropy" }

// Compute returns the loss.
func (l BinaryCrossentropy) Compute(pred, target *tensor.Tensor) *tensor.Tensor {
	sameCount("BinaryCrossentropy", pred, target)
	p, y := pred.ToSlice(), target.ToSlice()
	n := float64(len(p))
	var sum float64
	grad := make([]float32, len(p))
	for i := range p {
		yi := float64(y[i])
		if l.FromLogits {
			z := float64(p[i])
			sum += math.Max(z, 0) - z*yi + math.Log1p(math.Exp(-math.Abs(z)))
			grad[i] = float32((float64(sigmoid(p[i])) - yi) / n)
			continue
		}
		q := float64(p[i])
		clipped := false
		if q < Epsilon {
			q, clipped = Epsilon, true
		} else if q > 1-Epsilon {
			q, clipped = 1-Epsilon, true
		}
		sum -= yi*math.Log(q+Epsilon) + (1-yi)*math.Log(1-q+Epsilon)
		if !clipped {
			grad[i] = float32((-yi/(q+Epsilon) + (1-yi)/(1-q+Epsilon)) / n)
		}
	}
	return scalarLoss("BinaryCrossentropy", contig(pred), sum/n, grad)
}

// CategoricalCrossentropy is -Σ_k y_k·log p_k over the last axis, averaged
// over the other positions; targets are distributions (one-hot) of pred's
// shape. From probabilities it follows Keras: p is renormalised to sum to
// 1, clipped to [ε, 1-ε], then logged. With FromLogits, p = softmax(pred)
// computed stably as log-softmax.
type CategoricalCrossentropy struct{ FromLogits bool }

func (CategoricalCrossentropy) Name() string { return "categorical_crossentropy" }

// Compute returns the loss.
func (l CategoricalCrossentropy) Compute(pred, target *tensor.Tensor) *tensor.Tensor {
	if !sameShapes(pred.Shape(), target.Shape()) {
		panic(fmt.Sprintf("nn.CategoricalCrossentropy: prediction shape %v != target shape %v (targets are one-hot; use SparseCategoricalCrossentropy for class ids)", pred.Shape(), target.Shape()))
	}
	c := pred.Size(-1)
	p, y := pred.ToSlice(), target.ToSlice()
	rows := len(p) / c
	n := float64(rows)
	var sum float64
	grad := make([]float32, len(p))
	ls := make([]float32, c)
	for r := 0; r < rows; r++ {
		pr, yr, gr := p[r*c:(r+1)*c], y[r*c:(r+1)*c], grad[r*c:(r+1)*c]
		if l.FromLogits {
			kernels.LogSoftmax(ls, pr)
			var ysum float64
			for k := range pr {
				sum -= float64(yr[k]) * float64(ls[k])
				ysum += float64(yr[k])
			}
			for k := range pr {
				gr[k] = float32((math.Exp(float64(ls[k]))*ysum - float64(yr[k])) / n)
			}
			continue
		}
		var s float64
		for _, v := range pr {
			s += float64(v)
		}
		// dL/dq_k for the normalised, clipped q; then through q = p/s.
		var dot float64
		for k := range pr {
			q := float64(pr[k]) / s
			cq := math.Min(math.Max(q, Epsilon), 1-Epsilon)
			sum -= float64(yr[k]) * math.Log(cq)
			var dq float64
			if q == cq {
				dq = -float64(yr[k]) / q
			}
			gr[k] = float32(dq)
			dot += dq * q
		}
		for k := range pr {
			gr[k] = float32((float64(gr[k]) - dot) / s / n)
		}
	}
	return scalarLoss("CategoricalCrossentropy", contig(pred), sum/n, grad)
}

// SparseCategoricalCrossentropy is categorical cross-entropy with integer
// class ids as targets (pred [..., C], target [...] or [..., 1]). From
// probabilities it follows Keras: p is clipped to [ε, 1-ε] and the loss is
// -log p_y + log Σ_k p_k (TensorFlow applies a softmax to log p). With
// FromLogits it is -log softmax(pred)_y, as torch's cross_entropy.
type SparseCategoricalCrossentropy struct{ FromLogits bool }

func (SparseCategoricalCrossentropy) Name() string { return "sparse_categorical_crossentropy" }

// Compute returns the loss.
func (l SparseCategoricalCrossentropy) Compute(pred, target *tensor.Tensor) *tensor.Tensor {
	c := pred.Size(-1)
	if pred.Numel() != target.Numel()*c {
		panic(fmt.Sprintf("nn.SparseCategoricalCrossentropy: prediction shape %v does not fit target shape %v (want one class id per row of %d)", pred.Shape(), target.Shape(), c))
	}
	p, y := pred.ToSlice(), target.ToSlice()
	rows := len(y)
	n := float64(rows)
	var sum float64
	grad := make([]float32, len(p))
	ls := make([]float32, c)
	for r := 0; r < rows; r++ {
		pr, gr := p[r*c:(r+1)*c], grad[r*c:(r+1)*c]
		cls := classID("SparseCategoricalCrossentropy", y[r], r, c)
		if l.FromLogits {
			kernels.LogSoftmax(ls, pr)
			sum -= float64(ls[cls])
			for k := range pr {
				gr[k] = float32(math.Exp(float64(ls[k])) / n)
			}
			gr[cls] -= float32(1 / n)
			continue
		}
		var s float64
		for k, v := range pr {
			q := math.Min(math.Max(float64(v), Epsilon), 1-Epsilon)
			s += q
			if q == float64(v) {
				gr[k] = 1 // marks unclipped
			}
		}
		q := math.Min(math.Max(float64(pr[cls]), Epsilon), 1-Epsilon)
		sum += -math.Log(q) + math.Log(s)
		for k := range pr {
			if gr[k] != 0 {
				gr[k] = float32(1 / s / n)
			}
		}
		if q == float64(pr[cls]) {
			gr[cls] -= float32(1 / q / n)
		}
	}
	return scalarLoss("SparseCategoricalCrossentropy", contig(pred), sum/n, grad)
}

func classID(op string, v float32, row, classes int) int {
	c := int(v)
	if float32(c) != v || c < 0 || c >= classes {
		panic(fmt.Sprintf("nn.%s: target %v at row %d is not a class id in [0, %d)", op, v, row, classes))
	}
	return c
}

func sameShapes(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
