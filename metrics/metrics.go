package metrics

import (
	"fmt"
	"math"
	"sort"
)

// classesOf returns the class count (the last dimension of shape) and the
// batch size, panicking with the op's name if shape does not fit n values.
func classesOf(op string, n int, shape []int) (classes, batch int) {
	if len(shape) == 0 {
		panic(fmt.Sprintf("metrics.%s: prediction shape is empty; want [batch, classes]", op))
	}
	p := 1
	for _, d := range shape {
		p *= d
	}
	if p != n {
		panic(fmt.Sprintf("metrics.%s: prediction shape %v holds %d values but %d were given", op, shape, p, n))
	}
	classes = shape[len(shape)-1]
	if classes == 0 {
		return 0, 0
	}
	return classes, n / classes
}

func sameLen(op string, pred, label []float32) {
	if len(pred) != len(label) {
		panic(fmt.Sprintf("metrics.%s: %d predictions but %d labels", op, len(pred), len(label)))
	}
}

func ratio(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// argmax returns the index of the first largest value (Keras/NumPy argmax).
// NaN never wins.
func argmax(row []float32) int {
	best := 0
	for i, v := range row {
		if v > row[best] || (row[best] != row[best] && v == v) {
			best = i
		}
	}
	return best
}

// countBinaryAccuracy returns how many of the thresholded predictions equal
// their labels.
func countBinaryAccuracy(pred, label []float32, threshold float32) int {
	sameLen("BinaryAccuracy", pred, label)
	n := 0
	for i, p := range pred {
		var y float32
		if p > threshold {
			y = 1
		}
		if y == label[i] {
			n++
		}
	}
	return n
}

// BinaryAccuracy is the fraction of predictions that, thresholded
// (pred > threshold gives 1, else 0; Keras uses 0.5), equal their labels.
func BinaryAccuracy(pred, label []float32, threshold float32) float64 {
	return ratio(countBinaryAccuracy(pred, label, threshold), len(pred))
}

func countCategorical(pred, label []float32, classes int) (hits, rows int) {
	sameLen("CategoricalAccuracy", pred, label)
	if classes <= 0 || len(pred)%classes != 0 {
		panic(fmt.Sprintf("metrics.CategoricalAccuracy: %d predictions do not split into rows of %d classes", len(pred), classes))
	}
	for r := 0; r+classes <= len(pred); r += classes {
		if argmax(pred[r:r+classes]) == argmax(label[r:r+classes]) {
			hits++
		}
		rows++
	}
	return hits, rows
}

// CategoricalAccuracy is the fraction of rows whose argmax matches the
// argmax of the one-hot label row; pred and label are [batch, classes].
func CategoricalAccuracy(pred, label []float32, classes int) float64 {
	return ratio(countCategorical(pred, label, classes))
}

func labelIndex(op string, v float32, classes, row int) int {
	k := int(v)
	if float32(k) != v || k < 0 || k >= classes {
		panic(fmt.Sprintf("metrics.%s: label %v of row %d is not a class index in [0, %d)", op, v, row, classes))
	}
	return k
}

func countSparse(pred, label []float32, classes int) (hits, rows int) {
	if classes <= 0 || len(pred) != classes*len(label) {
		panic(fmt.Sprintf("metrics.SparseCategoricalAccuracy: %d predictions for %d labels of %d classes", len(pred), len(label), classes))
	}
	for r, y := range label {
		if argmax(pred[r*classes:(r+1)*classes]) == labelIndex("SparseCategoricalAccuracy", y, classes, r) {
			hits++
		}
	}
	return hits, len(label)
}

// SparseCategoricalAccuracy is the fraction of rows whose argmax equals the
// integer label; pred is [batch, classes] and label [batch].
func SparseCategoricalAccuracy(pred, label []float32, classes int) float64 {
	return ratio(countSparse(pred, label, classes))
}

func countTopK(pred, label []float32, classes, k int) (hits, rows int) {
	if classes <= 0 || len(pred) != classes*len(label) {
		panic(fmt.Sprintf("metrics.TopKAccuracy: %d predictions for %d labels of %d classes", len(pred), len(label), classes))
	}
	for r, y := range label {
		row := pred[r*classes : (r+1)*classes]
		t := row[labelIndex("TopKAccuracy", y, classes, r)]
		if t != t || math.IsInf(float64(t), 0) {
			continue // tf.math.in_top_k: non-finite target is never in the top k
		}
		above := 0
		for _, v := range row {
			if v > t {
				above++
			}
		}
		if above < k {
			hits++
		}
	}
	return hits, len(label)
}

// TopKAccuracy is Keras's sparse_top_k_categorical_accuracy: the fraction of
// rows whose label is among the k highest scores. As tf.math.in_top_k,
// classes tied with the label's score at the boundary count as in the top k.
// pred is [batch, classes], label [batch] class indices.
func TopKAccuracy(pred, label []float32, classes, k int) float64 {
	return ratio(countTopK(pred, label, classes, k))
}

// Confusion holds binary confusion-matrix counts.
type Confusion struct {
	TP, FP, TN, FN int
}

// ConfusionCounts thresholds pred (pred > threshold is positive) and counts
// against label (nonzero is positive).
func ConfusionCounts(pred, label []float32, threshold float32) Confusion {
	var c Confusion
	c.add(pred, label, threshold)
	return c
}

func (c *Confusion) add(pred, label []float32, threshold float32) {
	sameLen("ConfusionCounts", pred, label)
	for i, p := range pred {
		pp, lp := p > threshold, label[i] != 0
		switch {
		case pp && lp:
			c.TP++
		case pp:
			c.FP++
		case lp:
			c.FN++
		default:
			c.TN++
		}
	}
}

// Precision is TP/(TP+FP), 0 when nothing is predicted positive.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 0 when no label is positive.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 2TP/(2TP+FP+FN), 0
// when both are 0.
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

// Accuracy is (TP+TN)/total.
func (c Confusion) Accuracy() float64 { return ratio(c.TP+c.TN, c.TP+c.TN+c.FP+c.FN) }

// Precision of the thresholded binary predictions.
func Precision(pred, label []float32, threshold float32) float64 {
	return ConfusionCounts(pred, label, threshold).Precision()
}

// Recall of the thresholded binary predictions.
func Recall(pred, label []float32, threshold float32) float64 {
	return ConfusionCounts(pred, label, threshold).Recall()
}

// F1 score of the thresholded binary predictions.
func F1(pred, label []float32, threshold float32) float64 {
	return ConfusionCounts(pred, label, threshold).F1()
}

// AUC is the exact area under the ROC curve of scores pred against binary
// labels (nonzero is positive), as scikit-learn's roc_auc_score: tied scores
// form one diagonal step of the curve (equivalently, each tied
// positive/negative pair counts one half). It returns NaN when only one
// class is present or a score is NaN. pred is not modified.
func AUC(pred, label []float32) float64 {
	sameLen("AUC", pred, label)
	idx := make([]int, len(pred))
	for i := range idx {
		idx[i] = i
	}
	return aucSorted(pred, label, idx)
}

func aucSorted(pred, label []float32, idx []int) float64 {
	sort.Slice(idx, func(a, b int) bool { return pred[idx[a]] > pred[idx[b]] })
	for _, p := range pred {
		if p != p {
			return math.NaN() // scikit-learn rejects NaN scores
		}
	}
	var pos, neg float64
	for _, l := range label {
		if l != 0 {
			pos++
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	// Walk thresholds from high to low; each group of equal scores moves
	// the ROC point by (fp/neg, tp/pos) and adds a trapezoid.
	var area, tp, fp float64
	for i := 0; i < len(idx); {
		j := i
		var gtp, gfp float64
		for j < len(idx) && pred[idx[j]] == pred[idx[i]] {
			if label[idx[j]] != 0 {
				gtp++
			} else {
				gfp++
			}
			j++
		}
		area += gfp * (tp + gtp/2)
		tp += gtp
		fp += gfp
		i = j
	}
	return area / (pos * neg)
}
