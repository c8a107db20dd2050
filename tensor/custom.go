package tensor

// Op records out as the result of a custom, fused operation on inputs, so
// that packages above tensor (layers, models) can write forward and
// backward kernels by hand, as cuDNN's fused LSTM or a fused cross-entropy
// do, and still take part in autograd.
//
// out must be a new tensor (from Zeros, Empty or FromSlice) that no graph
// knows yet. backward receives the gradient of out and returns one
// gradient per input, in that input's shape, or nil for inputs that need
// none; it must not record ops (use values, not graph-building calls). When
// recording is off or no input needs gradients, Op just returns out.
func Op(name string, out *Tensor, inputs []*Tensor, backward func(g *Tensor) []*Tensor) *Tensor {
	return record(name, out, inputs, backward)
}

// Empty returns a contiguous tensor of shape whose values are arbitrary
// (memory reused from the pool). Write every element before reading.
func Empty(shape ...int) *Tensor {
	checkShape("Empty", shape)
	return newTensor(shape, false)
}
