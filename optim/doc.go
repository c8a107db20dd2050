// Package optim holds golem's optimizers, gradient clipping and learning-rate
// schedules. They work on raw float32 slices (a Param is a name, its values,
// its gradient and whether weight decay applies) so that both the
// tensor-based layers and the hand-written GPT kernels can use them.
//
// Every optimizer follows torch.optim (PyTorch 1.13) step for step: the same
// hyper-parameter names and defaults, the same order of float32 operations
// (including the fused multiply-adds of PyTorch's CPU kernels), checked
// against fixtures made by PyTorch (testdata/gen_torch_fixtures.py): all 19
// cases agree bit for bit over 6 steps. On amd64 with AVX2 and FMA, the
// common paths (Adam and AdamW without L2 decay or AMSGrad, plain and
// momentum SGD, RMSProp not centered, Adagrad, all without L2 decay) run
// assembly loops with true float32 fused multiply-adds, as PyTorch's; the
// pure-Go loops (the other options, other CPUs, -tags purego) round them
// through float64, which differs from a true fused multiply-add only in
// rare halfway cases. Where Keras's defaults differ the doc
// comment says so (Adam's epsilon is 1e-8 here as in PyTorch, 1e-7 in
// Keras; RMSProp's Alpha is 0.99 here as in PyTorch, rho=0.9 in Keras).
//
// Unlike torch.optim, weight decay (L2 or decoupled) applies only to the
// params whose Decay field is true; that is what torch users get by putting
// biases and norms in a param group with weight_decay=0, as nanoGPT does.
//
// An optimizer keeps its per-parameter state (moments, momentum buffers)
// keyed by the *Param pointer, so the same Param values must be passed to
// every Step. After the first step, Step allocates nothing. Params of 32768
// values or more are updated in parallel on the internal/kernels worker
// pool. An optimizer is not safe for concurrent Steps.
//
// A typical training step:
//
//	optim.ZeroGrad(params)
//	// ... forward and backward fill each p.Grad ...
//	optim.ClipGradNorm(params, 1.0)
//	opt.SetLR(sched.LR(step))
//	opt.Step(params)
package optim
