package nn

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/golemml/golem/metrics"
	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/tensor"
)

// Model wraps a Layer (usually a Sequential) with what training needs: an
// optimizer, a loss and metrics (Compile), and Fit, Evaluate, Predict,
// Summary, Save and Load, as a Keras Model.
type Model struct {
	Layer      Layer
	InputShape []int // without the batch dimension

	// GradHook, when set, is called in Fit after the backward pass and
	// before the optimizer step, with every trainable parameter (values and
	// filled gradients). It is where data-parallel training all-reduces
	// (averages) gradients across replicas; it may also clip or inspect
	// them. An error stops Fit.
	GradHook func(params []*optim.Param) error

	// StopTraining, set by a callback (EarlyStopping), ends Fit after the
	// current epoch.
	StopTraining bool

	seed    uint64
	opt     optim.Optimizer
	loss    Loss
	metrics []namedMetric
	oparams []*optim.Param
	step    int // optimizer steps taken
}

type namedMetric struct {
	name string
	m    metrics.Metric
}

// NewModel builds layer for inputs of inputShape (no batch dimension; -1 for
// a dimension known only at run time) with weights drawn from a generator
// seeded by seed.
func NewModel(layer Layer, inputShape []int, seed uint64) (*Model, error) {
	if layer.Name() == "" {
		layer.SetName(kerasName(layer))
	}
	if err := layer.Build(inputShape, tensor.NewRNG(seed)); err != nil {
		return nil, fmt.Errorf("nn: build %q: %w", layer.Name(), err)
	}
	return &Model{Layer: layer, InputShape: append([]int(nil), inputShape...), seed: seed}, nil
}

// Params returns every weight of the model.
func (m *Model) Params() []*Param { return m.Layer.Params() }

// Compile sets the optimizer, the loss and the metrics reported by Fit and
// Evaluate. Metric names are Keras's (see metrics.ByName); "accuracy" (or
// "acc") picks the accuracy that suits the loss, as Keras does: binary for
// binary cross-entropy, sparse categorical for sparse categorical
// cross-entropy, categorical otherwise.
//
// When the model is a Sequential ending in Dense(softmax) (possibly inside
// TimeDistributed) and the loss is CategoricalCrossentropy or
// SparseCategoricalCrossentropy from probabilities (or Dense(linear) with
// the loss FromLogits), Fit and Evaluate compute the last layer, the
// softmax and the loss as one fused op from the logits, as TensorFlow does
// for Keras (see fusedSoftmaxCE in head.go): exact where Keras's clipping
// to [1e-7, 1-1e-7] would not bite, and without materializing the
// probabilities. Predict still returns the probabilities.
func (m *Model) Compile(opt optim.Optimizer, loss Loss, metricNames ...string) error {
	if opt == nil || loss == nil {
		return fmt.Errorf("nn.Compile: optimizer and loss are required")
	}
	m.opt, m.loss, m.metrics, m.oparams = opt, loss, nil, nil
	for _, name := range metricNames {
		key := name
		if n := strings.ToLower(name); n == "accuracy" || n == "acc" {
			switch loss.(type) {
			case BinaryCrossentropy, *BinaryCrossentropy:
				key = "binary_accuracy"
			case SparseCategoricalCrossentropy, *SparseCategoricalCrossentropy:
				key = "sparse_categorical_accuracy"
			default:
				key = "categorical_accuracy"
			}
		}
		mt, err := metrics.ByName(key)
		if err != nil {
			return fmt.Errorf("nn.Compile: %w", err)
		}
		m.metrics = append(m.metrics, namedMetric{name, mt})
	}
	return nil
}

// Optimizer returns the compiled optimizer.
func (m *Model) Optimizer() optim.Optimizer { return m.opt }

// fused returns the fused softmax cross-entropy head when the model ends in
// Dense(softmax) (possibly inside TimeDistributed) and the loss is
// categorical or sparse categorical cross-entropy from probabilities, or
// Dense(linear) with the loss from logits.
func (m *Model) fused() (fusedHead, bool) {
	seq, ok := m.Layer.(*Sequential)
	if !ok {
		return fusedHead{}, false
	}
	last := seq.Layers[len(seq.Layers)-1]
	if td, ok := last.(*TimeDistributed); ok {
		last = td.Layer
	}
	d, ok := last.(*Dense)
	if !ok {
		return fusedHead{}, false
	}
	var fromLogits, sparse bool
	switch l := m.loss.(type) {
	case SparseCategoricalCrossentropy:
		fromLogits, sparse = l.FromLogits, true
	case CategoricalCrossentropy:
		fromLogits = l.FromLogits
	default:
		return fusedHead{}, false
	}
	if (d.Activation == "softmax" && !fromLogits) || ((d.Activation == "" || d.Activation == "linear") && fromLogits) {
		return fusedHead{dense: d, sparse: sparse}, true
	}
	return fusedHead{}, false
}

// lossOn runs the model on a batch and returns the loss, updating the
// metrics with the batch's predictions. When a Sequential's output carries
// a padding mask (Embedding with MaskZero through sequence layers), the
// loss and metrics cover the unmasked steps only, averaged over them, as
// Keras does (apply_valid_mask).
func (m *Model) lossOn(x, y *tensor.Tensor, training bool) *tensor.Tensor {
	f, fused := m.fused()
	var pred, mask *tensor.Tensor
	if seq, ok := m.Layer.(*Sequential); ok {
		layers := seq.Layers
		if fused {
			layers = layers[:len(layers)-1] // the fused op applies the last Dense
		}
		pred, mask = seq.run(layers, x, nil, training)
	} else {
		pred = m.Layer.Forward(x, training)
	}
	if mask != nil {
		pred, y = validRows(pred, y, mask)
	}
	if fused {
		return fusedSoftmaxCE(f, pred, y, func(p []float32, rows, classes int, labels []float32) {
			for _, mt := range m.metrics {
				mt.m.Update(p, []int{rows, classes}, labels)
			}
		})
	}
	if len(m.metrics) > 0 {
		pd := pred.ToSlice()
		yd := y.ToSlice()
		for _, mt := range m.metrics {
			mt.m.Update(pd, pred.Shape(), yd)
		}
	}
	return m.loss.Compute(pred, y)
}

// validRows keeps the rows (time steps) of pred [..., C] and of the
// targets where mask (one value per row) is non-zero. pred's selection is
// recorded, so padded steps get no gradient. If the mask does not match
// pred's rows, or masks everything, pred and y are returned as they are.
func validRows(pred, y, mask *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	rows := mask.Numel()
	if rows == 0 || pred.Numel()%rows != 0 || y.Numel()%rows != 0 || pred.Numel()/rows != pred.Size(-1) {
		return pred, y
	}
	md := mask.ToSlice()
	var idx []int
	for r, v := range md {
		if v != 0 {
			idx = append(idx, r)
		}
	}
	if len(idx) == 0 || len(idx) == rows {
		return pred, y
	}
	per := y.Numel() / rows
	yd := y.ToSlice()
	ys := make([]float32, len(idx)*per)
	for i, r := range idx {
		copy(ys[i*per:(i+1)*per], yd[r*per:(r+1)*per])
	}
	p := tensor.IndexSelect(contig(pred).Reshape(rows, -1), 0, idx)
	if per == 1 {
		return p, tensor.FromSlice(ys, len(idx))
	}
	return p, tensor.FromSlice(ys, len(idx), per)
}

// trainable returns the optimizer's view of the trainable weights, built
// after the first backward pass has allocated the gradients.
func (m *Model) trainable() []*optim.Param {
	ps := m.Params()
	if m.oparams == nil {
		for _, p := range ps {
			if !p.Trainable {
				continue
			}
			m.oparams = append(m.oparams, &optim.Param{Name: p.Name, Data: p.Value.Data(), Decay: p.Value.Dim() >= 2})
		}
	}
	i := 0
	for _, p := range ps {
		if !p.Trainable {
			continue
		}
		op := m.oparams[i]
		i++
		if g := p.Value.Grad(); g != nil {
			gd := g.Data()
			if len(op.Grad) == 0 || &op.Grad[0] != &gd[0] {
				op.Grad = gd
			}
		} else if op.Grad == nil {
			op.Grad = make([]float32, len(op.Data)) // unused weight: zero gradient
		}
	}
	return m.oparams
}

// TrainOnBatch runs one optimization step on a batch and returns its loss.
func (m *Model) TrainOnBatch(x, y *tensor.Tensor) (float64, error) {
	if m.opt == nil {
		return 0, fmt.Errorf("nn.TrainOnBatch: model is not compiled")
	}
	loss := m.lossOn(x, y, true)
	v := float64(loss.Item())
	if !loss.NeedsGrad() {
		return v, fmt.Errorf("nn.TrainOnBatch: loss does not depend on any trainable weight")
	}
	loss.Backward()
	loss.Release()
	ps := m.trainable()
	if m.GradHook != nil {
		if err := m.GradHook(ps); err != nil {
			return v, fmt.Errorf("nn: gradient hook: %w", err)
		}
	}
	m.opt.Step(ps)
	m.step++
	for _, p := range m.Params() {
		p.Value.ZeroGrad()
	}
	return v, nil
}

// FitOptions configures Fit. The zero value trains one epoch with batches of
// 32, shuffled each epoch from Seed, as Keras's fit does by default.
type FitOptions struct {
	Epochs    int    // default 1
	BatchSize int    // default 32
	NoShuffle bool   // keep the training examples in order (Keras: shuffle=False)
	Seed      uint64 // seed for shuffling and ValidationSplit
	// ValidationX/ValidationY are evaluated after each epoch (val_loss,
	// val_<metric>). ValidationSplit instead holds out that fraction of
	// the training examples (the last ones, before shuffling, as Keras).
	ValidationX, ValidationY *tensor.Tensor
	ValidationSplit          float64
	// StepsPerEpoch, if > 0, caps the batches per epoch.
	StepsPerEpoch int
	Callbacks     []Callback
	// Verbose: 0 silent, 1 a progress bar (redrawn on a terminal, one line
	// per epoch otherwise), 2 one line per epoch.
	Verbose int
	Output  io.Writer // default os.Stdout
}

// History holds the per-epoch logs of a Fit: History["loss"][e] is the
// training loss of epoch e; validation entries are prefixed "val_".
type History struct {
	Epochs  []int
	History map[string][]float64
}

// Fit trains the model on x (inputs, first axis the examples) and y
// (targets) as Keras's fit: each epoch runs the batches through forward,
// backward, the GradHook and the optimizer step, then evaluates the
// validation data and calls the callbacks.
func (m *Model) Fit(x, y *tensor.Tensor, o FitOptions) (*History, error) {
	if m.opt == nil {
		return nil, fmt.Errorf("nn.Fit: model is not compiled")
	}
	if x.Size(0) != y.Size(0) {
		return nil, fmt.Errorf("nn.Fit: x has %d examples but y has %d", x.Size(0), y.Size(0))
	}
	if o.Epochs <= 0 {
		o.Epochs = 1
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 32
	}
	if o.Output == nil {
		o.Output = os.Stdout
	}
	x, y = x.Contiguous(), y.Contiguous()
	vx, vy := o.ValidationX, o.ValidationY
	if (vx == nil) != (vy == nil) {
		return nil, fmt.Errorf("nn.Fit: ValidationX and ValidationY must be given together")
	}
	if o.ValidationSplit < 0 || o.ValidationSplit >= 1 {
		return nil, fmt.Errorf("nn.Fit: ValidationSplit %v outside [0, 1)", o.ValidationSplit)
	}
	if o.ValidationSplit > 0 && vx == nil {
		n := x.Size(0)
		nv := int(float64(n) * o.ValidationSplit)
		if nv == 0 || nv == n {
			return nil, fmt.Errorf("nn.Fit: ValidationSplit %v of %d examples leaves an empty set", o.ValidationSplit, n)
		}
		vx, vy = x.Narrow(0, n-nv, nv).Contiguous(), y.Narrow(0, n-nv, nv).Contiguous()
		x, y = x.Narrow(0, 0, n-nv).Contiguous(), y.Narrow(0, 0, n-nv).Contiguous()
	}
	n := x.Size(0)
	if n == 0 {
		return nil, fmt.Errorf("nn.Fit: no training examples")
	}
	steps := (n + o.BatchSize - 1) / o.BatchSize
	if o.StepsPerEpoch > 0 && o.StepsPerEpoch < steps {
		steps = o.StepsPerEpoch
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	hist := &History{History: map[string][]float64{}}
	m.StopTraining = false
	for _, cb := range o.Callbacks {
		if c, ok := cb.(interface{ OnTrainBegin(*Model) error }); ok {
			if err := c.OnTrainBegin(m); err != nil {
				return hist, err
			}
		}
	}
	for epoch := 0; epoch < o.Epochs && !m.StopTraining; epoch++ {
		for _, cb := range o.Callbacks {
			if c, ok := cb.(interface{ OnEpochBegin(*Model, int) error }); ok {
				if err := c.OnEpochBegin(m, epoch); err != nil {
					return hist, err
				}
			}
		}
		if !o.NoShuffle {
			rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		}
		var bar *progress
		if o.Verbose > 0 {
			fmt.Fprintf(o.Output, "Epoch %d/%d\n", epoch+1, o.Epochs)
			bar = newProgress(o.Output, steps, o.Verbose)
		}
		m.resetMetrics()
		var lossSum float64
		var seen int
		for s := 0; s < steps; s++ {
			lo, hi := s*o.BatchSize, min((s+1)*o.BatchSize, n)
			xb, yb := takeRows(x, idx[lo:hi]), takeRows(y, idx[lo:hi])
			for _, cb := range o.Callbacks {
				if c, ok := cb.(interface{ OnBatchBegin(*Model, int) error }); ok {
					if err := c.OnBatchBegin(m, m.step); err != nil {
						return hist, err
					}
				}
			}
			l, err := m.TrainOnBatch(xb, yb)
			xb.Release()
			yb.Release()
			if err != nil {
				return hist, err
			}
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return hist, fmt.Errorf("nn.Fit: loss became %v at epoch %d, batch %d", l, epoch+1, s+1)
			}
			lossSum += l * float64(hi-lo)
			seen += hi - lo
			if bar != nil {
				bar.update(s+1, m.logs(lossSum/float64(seen), ""))
			}
		}
		logs := m.logs(lossSum/float64(seen), "")
		if vx != nil {
			vl, err := m.Evaluate(vx, vy, o.BatchSize)
			if err != nil {
				return hist, err
			}
			for _, e := range vl {
				logs = append(logs, LogEntry{"val_" + e.Key, e.Value})
			}
		}
		if bar != nil {
			bar.finish(logs)
		}
		hist.Epochs = append(hist.Epochs, epoch)
		for _, e := range logs {
			hist.History[e.Key] = append(hist.History[e.Key], e.Value)
		}
		for _, cb := range o.Callbacks {
			if err := cb.OnEpochEnd(m, epoch, Logs(logs)); err != nil {
				return hist, err
			}
		}
	}
	for _, cb := range o.Callbacks {
		if c, ok := cb.(interface{ OnTrainEnd(*Model) error }); ok {
			if err := c.OnTrainEnd(m); err != nil {
				return hist, err
			}
		}
	}
	return hist, nil
}

func (m *Model) resetMetrics() {
	for _, mt := range m.metrics {
		mt.m.Reset()
	}
}

// logs returns loss and metric values in Keras's order.
func (m *Model) logs(loss float64, prefix string) Logs {
	l := Logs{{prefix + "loss", loss}}
	for _, mt := range m.metrics {
		l = append(l, LogEntry{prefix + mt.name, mt.m.Result()})
	}
	return l
}

// Evaluate returns the loss and metrics over x and y, in batches, without
// recording gradients. It resets and fills the model's metrics, so calls
// on one model must not overlap (Predict's may).
func (m *Model) Evaluate(x, y *tensor.Tensor, batchSize int) (Logs, error) {
	if m.loss == nil {
		return nil, fmt.Errorf("nn.Evaluate: model is not compiled")
	}
	if x.Size(0) != y.Size(0) {
		return nil, fmt.Errorf("nn.Evaluate: x has %d examples but y has %d", x.Size(0), y.Size(0))
	}
	if batchSize <= 0 {
		batchSize = 32
	}
	x, y = x.Contiguous(), y.Contiguous()
	n := x.Size(0)
	m.resetMetrics()
	var sum float64
	m.withoutGrad(func() {
		for lo := 0; lo < n; lo += batchSize {
			hi := min(lo+batchSize, n)
			xb, yb := x.Narrow(0, lo, hi-lo), y.Narrow(0, lo, hi-lo)
			l := m.lossOn(xb, yb, false)
			sum += float64(l.Item()) * float64(hi-lo)
		}
	})
	return m.logs(sum/float64(n), ""), nil
}

// Predict runs the model on x in batches in inference mode, without
// recording gradients, and returns the stacked outputs. Several goroutines
// may call Predict on one model at once (but not while it trains).
func (m *Model) Predict(x *tensor.Tensor, batchSize int) *tensor.Tensor {
	if batchSize <= 0 {
		batchSize = 32
	}
	x = x.Contiguous()
	n := x.Size(0)
	var out *tensor.Tensor
	var od []float32
	m.withoutGrad(func() {
		for lo := 0; lo < n; lo += batchSize {
			hi := min(lo+batchSize, n)
			y := m.Layer.Forward(x.Narrow(0, lo, hi-lo), false)
			if out == nil {
				sh := append([]int{n}, y.Shape()[1:]...)
				out = tensor.Empty(sh...)
				od = out.Data()
			}
			per := y.Numel() / (hi - lo)
			copy(od[lo*per:hi*per], y.ToSlice())
		}
	})
	return out
}

// withoutGrad runs fn with the model's weights out of autograd
// (tensor.WithoutGrad): inference records nothing, and, unlike
// tensor.NoGrad, it leaves alone other models that other goroutines are
// training meanwhile.
func (m *Model) withoutGrad(fn func()) {
	ps := m.Params()
	ws := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		ws[i] = p.Value
	}
	tensor.WithoutGrad(ws, fn)
}

// takeRows copies the examples idx of contiguous t into a new tensor.
func takeRows(t *tensor.Tensor, idx []int) *tensor.Tensor {
	sh := append([]int{len(idx)}, t.Shape()[1:]...)
	per := prod(t.Shape()[1:])
	out := tensor.Empty(sh...)
	od, td := out.Data(), t.Data()
	for i, r := range idx {
		copy(od[i*per:(i+1)*per], td[r*per:(r+1)*per])
	}
	return out
}

// Logs are the named values of one epoch, in Keras's order (loss, metrics,
// val_loss, val_ metrics).
type Logs []LogEntry

// LogEntry is one named value of Logs.
type LogEntry struct {
	Key   string
	Value float64
}

// Get returns the value of key and whether it is present.
func (l Logs) Get(key string) (float64, bool) {
	for _, e := range l {
		if e.Key == key {
			return e.Value, true
		}
	}
	return 0, false
}
