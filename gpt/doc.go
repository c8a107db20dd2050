// Package gpt is GPT-2: the model, its training pass and its inference
// pass, written out by hand over float32 buffers in the manner of llm.c.
//
// model.go is the whole network in the order data flows through it: token
// and position embeddings, NLayer pre-LayerNorm blocks (LayerNorm, causal
// self-attention with a fused QKV projection, residual; LayerNorm, MLP with
// GELU (tanh approximation), residual), a final LayerNorm and the LM head
// tied to the token embedding, then a cross-entropy fused with the softmax.
// layers.go holds each layer as a forward/backward pair with its shapes.
// Matrix products go through internal/kernels' SGEMM and row loops run on
// its worker pool; parameters, gradients and activations live in a few big
// buffers allocated once, so a training step allocates no buffers.
//
// Attention never materializes the T×T matrix: queries are taken in blocks
// of 128 rows, each block's masked softmax touches only the keys it may see,
// only each row's log-sum-exp is kept, and the backward pass recomputes the
// probabilities from it (FlashAttention's recipe).
//
// For inference, Step runs a batch of sequences of different lengths
// through their key/value caches in one pass: the new tokens of all
// sequences are stacked into one matrix so that each weight is read once
// per step; a small model's batch is split into groups of sequences, one
// per thread, and a large model's weights are read in place for up to 64
// rows (kernels.MatMulNT), parallel over output features. A decoded
// query's heads attend together, reading each cached key and value row
// once. Generate samples from a prompt, GenerateBatch from many prompts in
// one batch, and a Session turn after turn, reusing its cache.
//
// Checkpoints use Hugging Face's GPT-2 layout (config.json and
// model.safetensors, or shards listed in model.safetensors.index.json), so
// a model saved by golem loads in transformers and GPT-2's published
// weights load in golem; Load also reads older checkpoints' torch.save
// weights (pytorch_model.bin).
//
// A model built for inference (Load, then Step or Generate) never
// allocates gradients: they appear on the first call to Params, ZeroGrad
// or Backward. A Model is not safe for concurrent use; the slices that
// Logits and Step return alias its buffers until the next call.
//
// Dropout masks are not stored: each is a hash of (seed, training step,
// site, element), recomputed by the backward pass, and RandomState saves
// the position in that stream for resumed training.
//
// The numerics are checked against PyTorch (testdata/gen_parity.py): logits
// and loss within 1e-4, every gradient within 1e-3 of the largest, with
// errors of about 1e-7 in practice. Step is checked against Forward, and
// the gradients against central differences.
package gpt
