// Package train is golem's training loop for language models, as a
// library: `golem train` and `golem quickstart` are thin wrappers around it.
//
// It follows nanoGPT's train.py:
//
//   - ReadText loads the text from a file, a folder or a glob; GoSource
//     builds a default corpus from the Go standard library's own source.
//   - Split keeps the first 90% of the token stream for training and the
//     last 10% for validation; a Batcher draws random windows of Block+1
//     tokens from them (get_batch) with a seeded, saveable random state.
//   - Trainer runs AdamW (decoupled weight decay on 2-D weights only) with
//     a linear warmup then a cosine decay to MinLR, gradient accumulation,
//     global gradient-norm clipping, and every EvalInterval steps the mean
//     validation loss over EvalIters batches with the model in eval mode
//     (the same batches at every evaluation, drawn apart from the training
//     batches, so evaluating never changes the course of training).
//   - At each evaluation and at the end it checkpoints into the output
//     folder: the model's own files (a Save callback: config.json,
//     model.safetensors, tokenizer files), metrics.jsonl (one Record per
//     logged step), loss.png (train and validation curves) and, last,
//     train_state.safetensors: parameters, AdamW moments, step count,
//     random state and best validation loss, written atomically.
//   - Trainer.Resume continues a run from that state exactly: N steps
//     straight and N/2 steps + resume + N/2 steps give the same loss log
//     and the same weights, bit for bit.
//
// Progress goes to a progress bar on a terminal (loss, tokens/s, ETA) and
// to plain periodic lines elsewhere.
//
// The model is anything with the Model methods; *gpt.Model is the one the
// golem command trains.
package train
