package metrics_test

import (
	"fmt"

	"github.com/golemml/golem/metrics"
)

func Example() {
	// Two batches of binary predictions streamed through accumulators, as
	// a Fit loop does.
	acc, auc := metrics.NewBinaryAccuracy(0.5), metrics.NewAUC()
	batches := []struct{ pred, label []float32 }{
		{[]float32{0.9, 0.8}, []float32{1, 0}},
		{[]float32{0.6, 0.2}, []float32{1, 0}},
	}
	for _, b := range batches {
		for _, m := range []metrics.Metric{acc, auc} {
			m.Update(b.pred, []int{len(b.pred), 1}, b.label)
		}
	}
	fmt.Printf("%s %.2f, %s %.2f\n", acc.Name(), acc.Result(), auc.Name(), auc.Result())

	// One-shot, on [batch, classes] scores.
	scores := []float32{0.1, 0.7, 0.2, 0.5, 0.3, 0.2}
	fmt.Println(metrics.SparseCategoricalAccuracy(scores, []float32{1, 1}, 3))
	fmt.Println(metrics.TopKAccuracy(scores, []float32{1, 1}, 3, 2))
	// Output:
	// binary_accuracy 0.75, auc 0.75
	// 0.5
	// 1
}
