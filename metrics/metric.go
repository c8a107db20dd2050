package metrics

import (
	"fmt"
	"strings"
)

// Metric is a streaming metric: Update once per batch, Result at any time,
// Reset between epochs. predShape is the shape of pred ([batch] or
// [batch, classes]); label is laid out as the metric's one-shot function
// documents.
type Metric interface {
	Name() string
	Update(pred []float32, predShape []int, label []float32)
	Result() float64
	Reset()
}

type countMetric struct {
	name        string
	hits, total int
	count       func(pred []float32, shape []int, label []float32) (hits, total int)
}

func (m *countMetric) Name() string { return m.name }
func (m *countMetric) Update(pred []float32, shape []int, label []float32) {
	h, t := m.count(pred, shape, label)
	m.hits += h
	m.total += t
}
func (m *countMetric) Result() float64 { return ratio(m.hits, m.total) }
func (m *countMetric) Reset()          { m.hits, m.total = 0, 0 }

// NewBinaryAccuracy streams BinaryAccuracy ("binary_accuracy").
func NewBinaryAccuracy(threshold float32) Metric {
	return &countMetric{name: "binary_accuracy", count: func(p []float32, _ []int, l []float32) (int, int) {
		return countBinaryAccuracy(p, l, threshold), len(p)
	}}
}

// NewCategoricalAccuracy streams CategoricalAccuracy
// ("categorical_accuracy"); the class count is the last dimension of
// predShape.
func NewCategoricalAccuracy() Metric {
	return &countMetric{name: "categorical_accuracy", count: func(p []float32, s []int, l []float32) (int, int) {
		c, _ := classesOf("CategoricalAccuracy", len(p), s)
		return countCategorical(p, l, c)
	}}
}

// NewSparseCategoricalAccuracy streams SparseCategoricalAccuracy
// ("sparse_categorical_accuracy").
func NewSparseCategoricalAccuracy() Metric {
	return &countMetric{name: "sparse_categorical_accuracy", count: func(p []float32, s []int, l []float32) (int, int) {
		c, _ := classesOf("SparseCategoricalAccuracy", len(p), s)
		return countSparse(p, l, c)
	}}
}

// NewTopKAccuracy streams TopKAccuracy ("sparse_top_k_categorical_accuracy").
func NewTopKAccuracy(k int) Metric {
	return &countMetric{name: "sparse_top_k_categorical_accuracy", count: func(p []float32, s []int, l []float32) (int, int) {
		c, _ := classesOf("TopKAccuracy", len(p), s)
		return countTopK(p, l, c, k)
	}}
}

type confusionMetric struct {
	name      string
	threshold float32
	c         Confusion
	result    func(Confusion) float64
}

func (m *confusionMetric) Name() string { return m.name }
func (m *confusionMetric) Update(pred []float32, _ []int, label []float32) {
	m.c.add(pred, label, m.threshold)
}
func (m *confusionMetric) Result() float64 { return m.result(m.c) }
func (m *confusionMetric) Reset()          { m.c = Confusion{} }

// NewPrecision streams Precision ("precision").
func NewPrecision(threshold float32) Metric {
	return &confusionMetric{name: "precision", threshold: threshold, result: Confusion.Precision}
}

// NewRecall streams Recall ("recall").
func NewRecall(threshold float32) Metric {
	return &confusionMetric{name: "recall", threshold: threshold, result: Confusion.Recall}
}

// NewF1 streams F1 ("f1_score").
func NewF1(threshold float32) Metric {
	return &confusionMetric{name: "f1_score", threshold: threshold, result: Confusion.F1}
}

// AUCMetric streams the exact ROC AUC: it keeps every score and label seen
// since Reset (8 bytes per example) and sorts them in Result.
type AUCMetric struct {
	pred, label []float32
	idx         []int
}

// NewAUC returns an exact streaming ROC AUC ("auc").
func NewAUC() *AUCMetric { return &AUCMetric{} }

// Name returns "auc".
func (m *AUCMetric) Name() string { return "auc" }

// Update appends a batch of scores and binary labels.
func (m *AUCMetric) Update(pred []float32, _ []int, label []float32) {
	sameLen("AUC", pred, label)
	m.pred = append(m.pred, pred...)
	m.label = append(m.label, label...)
}

// Result returns the AUC of everything seen (NaN if one class is absent).
func (m *AUCMetric) Result() float64 {
	m.idx = m.idx[:0]
	for i := range m.pred {
		m.idx = append(m.idx, i)
	}
	return aucSorted(m.pred, m.label, m.idx)
}

// Reset forgets all examples, keeping the buffers.
func (m *AUCMetric) Reset() { m.pred, m.label = m.pred[:0], m.label[:0] }

// Mean averages the values passed as pred, weighted by their count (use it
// for a loss: Update([]float32{loss}, nil, nil) per batch, or with a batch
// of per-example losses).
type Mean struct {
	name  string
	sum   float64
	count int
}

// NewMean returns a Mean reported under name (e.g. "loss").
func NewMean(name string) *Mean { return &Mean{name: name} }

// Name returns the name given to NewMean.
func (m *Mean) Name() string { return m.name }

// Update adds the values of pred; predShape and label are ignored.
func (m *Mean) Update(pred []float32, _ []int, _ []float32) {
	for _, v := range pred {
		m.sum += float64(v)
	}
	m.count += len(pred)
}

// Result returns the mean so far (0 before any update).
func (m *Mean) Result() float64 {
	if m.count == 0 {
		return 0
	}
	return m.sum / float64(m.count)
}

// Reset clears the mean.
func (m *Mean) Reset() { m.sum, m.count = 0, 0 }

// ByName returns a new streaming metric from its Keras name:
// "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
// "sparse_top_k_categorical_accuracy" (k = 5, as Keras), "precision",
// "recall", "f1_score", "auc", "mean_squared_error" ("mse"),
// "mean_absolute_error" ("mae"), "root_mean_squared_error" ("rmse").
// Thresholds are 0.5. "accuracy"/"acc" is
// ambiguous in Keras (it depends on the loss), so the caller resolves it.
func ByName(name string) (Metric, error) {
	switch strings.ToLower(name) {
	case "binary_accuracy":
		return NewBinaryAccuracy(0.5), nil
	case "categorical_accuracy":
		return NewCategoricalAccuracy(), nil
	case "sparse_categorical_accuracy":
		return NewSparseCategoricalAccuracy(), nil
	case "sparse_top_k_categorical_accuracy", "top_k_accuracy":
		return NewTopKAccuracy(5), nil
	case "precision":
		return NewPrecision(0.5), nil
	case "recall":
		return NewRecall(0.5), nil
	case "f1_score", "f1":
		return NewF1(0.5), nil
	case "auc":
		return NewAUC(), nil
	case "mean_squared_error", "mse":
		return NewMeanSquaredError(), nil
	case "mean_absolute_error", "mae":
		return NewMeanAbsoluteError(), nil
	case "root_mean_squared_error", "rmse":
		return NewRootMeanSquaredError(), nil
	}
	return nil, fmt.Errorf("metrics: unknown metric %q (want binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy, precision, recall, f1_score, auc, mse, mae or rmse)", name)
}

var (
	_ Metric = (*countMetric)(nil)
	_ Metric = (*confusionMetric)(nil)
	_ Metric = (*AUCMetric)(nil)
	_ Metric = (*Mean)(nil)
)

// AccuracyFor resolves Keras's "accuracy" (or "acc") metric from the label
// and prediction shapes, as Keras's compile does: binary_accuracy when the
// prediction's last dimension is 1, sparse_categorical_accuracy when the
// labels have a lower rank than the predictions (or a last dimension of 1
// against several classes), categorical_accuracy otherwise.
func AccuracyFor(labelShape, predShape []int) Metric {
	last := func(s []int) int {
		if len(s) == 0 {
			return 1
		}
		return s[len(s)-1]
	}
	yt, yp := last(labelShape), last(predShape)
	switch {
	case yp == 1:
		return NewBinaryAccuracy(0.5)
	case len(labelShape) < len(predShape) || (yt == 1 && yp > 1):
		return NewSparseCategoricalAccuracy()
	}
	return NewCategoricalAccuracy()
}
