package metrics

import "math"

// MeanSquaredError is mean((pred-label)²) over all values.
func MeanSquaredError(pred, label []float32) float64 {
	sameLen("MeanSquaredError", pred, label)
	return ratioF(sqErr(pred, label), len(pred))
}

// MeanAbsoluteError is mean(|pred-label|) over all values.
func MeanAbsoluteError(pred, label []float32) float64 {
	sameLen("MeanAbsoluteError", pred, label)
	return ratioF(absErr(pred, label), len(pred))
}

func sqErr(pred, label []float32) float64 {
	var s float64
	for i, p := range pred {
		d := float64(p) - float64(label[i])
		s += d * d
	}
	return s
}

func absErr(pred, label []float32) float64 {
	var s float64
	for i, p := range pred {
		s += math.Abs(float64(p) - float64(label[i]))
	}
	return s
}

func ratioF(num float64, den int) float64 {
	if den == 0 {
		return 0
	}
	return num / float64(den)
}

type errMetric struct {
	name  string
	sum   float64
	count int
	abs   bool
	root  bool
}

func (m *errMetric) Name() string { return m.name }
func (m *errMetric) Update(pred []float32, _ []int, label []float32) {
	sameLen(m.name, pred, label)
	if m.abs {
		m.sum += absErr(pred, label)
	} else {
		m.sum += sqErr(pred, label)
	}
	m.count += len(pred)
}
func (m *errMetric) Result() float64 {
	r := ratioF(m.sum, m.count)
	if m.root {
		r = math.Sqrt(r)
	}
	return r
}
func (m *errMetric) Reset() { m.sum, m.count = 0, 0 }

// NewMeanSquaredError streams MeanSquaredError ("mean_squared_error").
func NewMeanSquaredError() Metric { return &errMetric{name: "mean_squared_error"} }

// NewMeanAbsoluteError streams MeanAbsoluteError ("mean_absolute_error").
func NewMeanAbsoluteError() Metric { return &errMetric{name: "mean_absolute_error", abs: true} }

// NewRootMeanSquaredError streams √MSE ("root_mean_squared_error").
func NewRootMeanSquaredError() Metric {
	return &errMetric{name: "root_mean_squared_error", root: true}
}
