package tensor_test

import (
	"fmt"

	"github.com/golemml/golem/tensor"
)

// The gradient of y = Σ (x² + 3x) is 2x + 3.
func ExampleTensor_Backward() {
	x := tensor.FromSlice([]float32{1, -2, 0.5}, 3).RequiresGrad()
	y := tensor.Sum(tensor.Add(tensor.Mul(x, x), tensor.MulScalar(x, 3)), false)
	y.Backward()
	fmt.Println(y.Item())
	fmt.Println(x.Grad().ToSlice())
	// Output:
	// 3.75
	// [5 -1 4]
}

// A classifier's negative log-likelihood: log-softmax over classes, then
// each row's target picked with GatherAlong. PyTorch's cross_entropy gives
// the same loss and gradient.
func ExampleGatherAlong() {
	logits := tensor.FromSlice([]float32{2, 0, 0, 0, 3, 0}, 2, 3).RequiresGrad()
	targets := []int{0, 1}
	logp := tensor.LogSoftmax(logits, -1)
	loss := tensor.Neg(tensor.Mean(tensor.GatherAlong(logp, 1, targets), false))
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("%.4f\n", logits.Grad().ToSlice())
	// Output:
	// loss 0.1672
	// [-0.1065 0.0533 0.0533 0.0226 -0.0453 0.0226]
}

// Inference on a model's weights while other code trains: WithoutGrad
// takes only w out of the graph, so nothing is recorded for the prediction
// and v, which another goroutine may be training, is untouched.
func ExampleWithoutGrad() {
	w := tensor.FromSlice([]float32{2, -1}, 2, 1).RequiresGrad()
	v := tensor.FromSlice([]float32{1}, 1).RequiresGrad()
	x := tensor.FromSlice([]float32{3, 4}, 1, 2)
	tensor.WithoutGrad([]*tensor.Tensor{w}, func() {
		y := tensor.MatMul(x, w)
		fmt.Println(y.ToSlice(), y.NeedsGrad())
		fmt.Println(tensor.Mul(v, v).NeedsGrad())
	})
	fmt.Println(w.NeedsGrad())
	// Output:
	// [2] false
	// true
	// true
}
