// Package tensor provides N-dimensional float32 tensors with NumPy
// broadcasting and define-by-run reverse-mode automatic differentiation, as
// in PyTorch.
//
// A Tensor is a view (shape, strides, offset) onto shared storage. Reshape,
// Transpose, Permute, Slice, Narrow, Split and Chunk return views without
// copying; Contiguous copies only when it must. Every other op returns a
// new contiguous tensor.
//
// # Ops by family
//
// Creation: Zeros, Ones, Full, Scalar, FromSlice, Arange, Empty, RandN and
// RandU (with a seeded NewRNG).
//
// Elementwise, with broadcasting: Add, Sub, Mul, Div, Pow (tensor^tensor),
// Where(cond, a, b), MaskedFill(t, mask, v).
//
// Elementwise on one tensor: Neg, Exp, Log, Sqrt, Abs, Tanh, Sigmoid, ReLU,
// GELU (exact, erf: PyTorch's default), GELUTanh (the tanh approximation of
// GPT-2), PowScalar, AddScalar, MulScalar, Clamp.
//
// Reductions (over any set of axes, all when none are given, keepDims as
// NumPy's keepdims): Sum, Mean, Max, Min (gradient to the first extremum),
// Var (biased or unbiased); ArgMax and ArgMin return indices (no gradient).
//
// Along an axis: Softmax and LogSoftmax (stable; the last axis runs row by
// row in parallel).
//
// Matrix product: MatMul with torch.matmul's rules (1-D promotion,
// broadcast batch dimensions); transposed views go to the GEMM kernel
// without copying, and batches of small matrices run in parallel.
//
// Joining and cutting: Concat, Stack, Split, Chunk.
//
// Indexing: IndexSelect (entries of one axis), Gather (embedding lookup:
// rows of a (V, D) weight by id, gradient scatter-added), GatherAlong
// (torch.gather: per-row picks, e.g. each example's target
// log-probability for a negative log-likelihood loss).
//
// Regularization: Dropout (inverted, from a seeded source).
//
// Fused ops written by hand elsewhere (an LSTM over a whole sequence, a
// fused cross-entropy) join the graph through Op.
//
// # Autograd
//
// Mark leaves with RequiresGrad. Every op whose inputs require gradients
// records itself; calling Backward on a scalar result walks the recorded
// graph in reverse topological order (shared subexpressions are visited
// once, after all their consumers) and adds d(result)/d(leaf) into each
// leaf's Grad. Gradients accumulate across Backward calls until ZeroGrad,
// as in PyTorch. NoGrad runs a function with recording switched off, for
// inference, process-wide; WithoutGrad runs one with only the given leaves
// (a model's weights) left out of the graph, so that inference in one
// goroutine does not cut the graph another goroutine is training with.
// Each op's backward computes its input gradients with
// unrecorded kernels, so a backward pass never builds a graph.
//
// # Memory
//
// Tensor storage comes from a size-class pool. Backward releases the graph
// it walked: the storage of every intermediate tensor goes back to the pool,
// so a training loop's steady state allocates no tensor memory (the test
// TestMLPTrainStepDoesNotAllocateTensorMemory measures it on a 784-256-10
// MLP: about 10 KiB of graph bookkeeping per step against about 1 MiB of
// activations and gradients reused from the pool). An intermediate whose
// values are needed after Backward must be kept with Retain before Backward
// is called; reading a released tensor panics with a message saying so (it
// never returns stale data). Leaves (parameters, inputs) are never released
// by Backward; Release returns any tensor's storage to the pool explicitly,
// which is worth doing for results computed under NoGrad in a loop.
//
// # Parallelism
//
// Large elementwise ops (above 32K elements), row ops (Softmax, LogSoftmax,
// Max, gathers) and batches of small matrix products are split over
// kernels.ParallelFor's persistent worker pool. Several goroutines may read
// a shared tensor and take views of it (weights during parallel inference:
// the storage reference counts are atomic), but a tensor must not be
// written, nor gradients accumulated into it, from two goroutines at once;
// run one training graph per goroutine.
//
// # Per-example gradients
//
// Differentially private training (DP-SGD) needs each example's gradient,
// clipped, before they are summed. The design for it here is vmap-free:
// keep the batch dimension through the loss (reduction "none": per-example
// losses of shape (B)) and compute each parameter's per-example gradient
// from the quantities the backward pass already has. For a linear layer
// y = x·W with x of shape (B, in) and upstream gradient g of shape
// (B, out), example b's gradient is the outer product x[b]ᵀ·g[b], and its
// squared norm is ‖x[b]‖²·‖g[b]‖² without forming it (the Goodfellow
// trick), so clipping factors can be computed for the whole batch first and
// the clipped sum formed as one product xᵀ·(c ⊙ g), where c holds each
// example's clipping factor. LinearGradSqNorms and LinearClippedGrad
// implement this rule for a linear map (with sequences: T rows per
// example, through T×T Gram matrices when that is cheaper). A layer that
// wants it records itself with Op, keeps x and the g its backward receives,
// and hands them to these functions; no per-example graph is built. Rules
// for other layer kinds (convolutions, embeddings, norms) are not written
// yet.
//
// # Errors
//
// Shape mismatches are programming errors: they panic with a message naming
// the op and the shapes involved, as gonum's mat does.
package tensor
