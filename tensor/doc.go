// Package tensor provides N-dimensional float32 tensors with NumPy
// broadcasting and define-by-run reverse-mode automatic differentiation, as
// in PyTorch.
//
// A Tensor is a view (shape, strides, offset) onto shared storage. Reshape,
// Transpose, Permute, Slice and Narrow return views without copying;
// Contiguous copies only when it must.
//
// # Autograd
//
// Mark leaves with RequiresGrad (or create them with Param). Every op whose
// inputs require gradients records itself; calling Backward on a scalar
// result walks the recorded graph in reverse topological order (shared
// subexpressions are visited once, after all their consumers) and adds
// d(result)/d(leaf) into each leaf's Grad. Gradients accumulate across
// Backward calls until ZeroGrad, as in PyTorch. NoGrad runs a function with
// recording switched off, for inference.
//
// # Memory
//
// Tensor storage comes from a size-class pool. Backward releases the graph
// it walked: the storage of every intermediate tensor goes back to the pool,
// so a training loop's steady state allocates no tensor memory. An
// intermediate whose values are needed after Backward must be kept with
// Retain before Backward is called; reading a released tensor panics with a
// message saying so (it never returns stale data). Leaves (parameters,
// inputs) are never released by Backward; Release returns any tensor's
// storage to the pool explicitly.
//
// # Errors
//
// Shape mismatches are programming errors: they panic with a message naming
// the op and the shapes involved, as gonum's mat does.
package tensor
