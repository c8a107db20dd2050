// Package nn is golem's Keras: layers, losses and a Model with Compile, Fit,
// Evaluate, Predict, Summary, Save and Load, built on package tensor's
// define-by-run autograd.
//
// # Models
//
// A model is any Layer; Sequential stacks layers, and anything else is
// plain Go composition (a struct whose Forward calls its sub-layers, as
// TransformerBlock does). NewModel builds the layer for an input shape
// (without the batch dimension, Keras's None) from a seed, so two runs with
// the same seed start from the same weights:
//
//	seq := nn.NewSequential(
//		&nn.Embedding{InputDim: 10000, OutputDim: 256},
//		&nn.LSTM{Units: 128, ReturnSequences: true},
//		&nn.TimeDistributed{Layer: &nn.Dense{Units: 10000, Activation: "softmax"}},
//	)
//	m, err := nn.NewModel(seq, []int{100}, 1)
//	m.Summary(os.Stdout)
//	m.Compile(optim.NewAdam(1e-3), nn.SparseCategoricalCrossentropy{}, "accuracy")
//	hist, err := m.Fit(x, y, nn.FitOptions{Epochs: 10, BatchSize: 64, Verbose: 1})
//
// Fit prints Keras's progress line (redrawn on a terminal, one line per epoch
// otherwise) and returns a History; callbacks (EarlyStopping,
// ModelCheckpoint, LearningRateScheduler, CSVLogger, JSONLLogger) hook into
// each epoch, and Model.GradHook runs between backward and the optimizer
// step: the place where data-parallel training all-reduces gradients.
// Optimizers and metrics come from packages optim and metrics.
//
// # Layers
//
// Dense, Embedding, LSTM, GRU, Bidirectional, TimeDistributed, Dropout,
// LayerNorm, BatchNorm, Conv1D, Conv2D, MaxPool2D, AveragePool2D, Flatten,
// GlobalAveragePooling1D, MultiHeadAttention and TransformerBlock. Their
// configuration is exported struct fields with Keras's names and defaults
// (a zero field takes Keras's default); weights use Keras's layouts and
// initializers: glorot_uniform kernels, orthogonal recurrent kernels, zero
// biases, the LSTM forget-gate bias at 1, uniform(-0.05, 0.05) embeddings.
// Images are channels-last (NHWC), Keras's default. Each layer's doc comment
// gives the mapping from PyTorch's layout (gate order, transposes), and
// testdata/torch_fixtures.json, made by testdata/gen_fixtures.py, checks
// outputs and gradients of Dense, LSTM, GRU, Conv2D, BatchNorm, LayerNorm
// and MultiHeadAttention against PyTorch within 1e-5.
//
// An Embedding with MaskZero emits a padding mask that LSTM, GRU,
// Bidirectional and GlobalAveragePooling1D use to skip padded steps, as in
// Keras; when the mask reaches a Sequential's output (sequence outputs),
// Fit and Evaluate average the loss and metrics over the real steps only,
// as Keras's apply_valid_mask does.
//
// # Speed
//
// The hot layers are fused tensor.Ops with hand-written backward passes
// over SGEMM: LSTM and GRU run the whole sequence as one op (one SGEMM for
// every step's input projection, one small SGEMM per step, backward through
// time by hand, as cuDNN), Conv2D is im2col plus SGEMM, and a model that
// ends in Dense(softmax) trained with (sparse) categorical cross-entropy
// computes the softmax and the loss together from the logits, chunk by
// chunk, without materializing the [rows, classes] probabilities (see
// Model.Compile).
//
// # Files
//
// Save writes one safetensors file: the weights under their parameter names
// ("lstm/kernel") and, in the header metadata, a JSON config of the layers
// (Keras's get_config), written atomically. Load rebuilds the model and
// checks every weight's name, dtype and shape, naming the one that is wrong.
package nn
