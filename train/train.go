package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/golemml/golem/optim"
)

// Model is what the trainer needs of a language model; *gpt.Model has it.
type Model interface {
	// Params returns every trainable parameter, the same pointers each call.
	Params() []*optim.Param
	// SetTraining turns dropout on or off.
	SetTraining(on bool)
	// Forward runs tokens (B*T ids laid out (B,T)) and returns the mean
	// cross-entropy against targets.
	Forward(tokens []int, B, T int, targets []int) float32
	// Backward adds d(loss)/d(param) of the last Forward into each Grad.
	Backward()
	// ZeroGrad clears every Grad.
	ZeroGrad()
}

// RandomStater is implemented by models with their own random state
// (dropout masks); the trainer saves it in checkpoints so that a resumed
// run with dropout continues exactly.
type RandomStater interface {
	RandomState() ([]byte, error)
	SetRandomState([]byte) error
}

// Options are the training hyper-parameters. The names and the defaults
// from Defaults are nanoGPT's train.py.
type Options struct {
	Iters        int           // optimizer steps; 0 trains for Duration instead
	Duration     time.Duration // with Iters 0: stop after this much training time
	Batch        int           // sequences per micro-batch (batch_size)
	Block        int           // tokens per sequence (block_size)
	GradAccum    int           // micro-batches per step (gradient_accumulation_steps)
	LR           float64       // peak learning rate (learning_rate)
	MinLR        float64       // floor of the cosine decay (min_lr)
	Warmup       int           // linear warmup steps (warmup_iters)
	LRDecayIters int           // step where the cosine reaches MinLR (lr_decay_iters); 0 = Iters
	Beta1, Beta2 float64       // AdamW betas
	WeightDecay  float64       // AdamW decoupled weight decay, on 2-D weights only
	GradClip     float64       // global gradient norm limit; 0 turns clipping off
	EvalInterval int           // evaluate and checkpoint every this many steps
	EvalIters    int           // validation batches per evaluation
	LogInterval  int           // record metrics every this many steps
	Seed         uint64        // seeds the batch sampler
}

// Defaults returns nanoGPT's defaults scaled for a CPU: 2000 steps of 12
// sequences of 64 tokens, lr 6e-4 decaying to 6e-5 after 100 warmup steps,
// AdamW (0.9, 0.95) with weight decay 0.1, clipping at 1.0, evaluation of
// 100 batches every 250 steps, a record every step.
func Defaults() Options {
	return Options{
		Iters: 2000, Batch: 12, Block: 64, GradAccum: 1,
		LR: 6e-4, MinLR: 6e-5, Warmup: 100,
		Beta1: 0.9, Beta2: 0.95, WeightDecay: 0.1, GradClip: 1.0,
		EvalInterval: 250, EvalIters: 100, LogInterval: 1, Seed: 1337,
	}
}

// Validate reports the first option out of range, naming it.
func (o Options) Validate() error {
	switch {
	case o.Iters < 0:
		return fmt.Errorf("iters %d must be >= 0", o.Iters)
	case o.Iters == 0 && o.Duration <= 0:
		return errors.New("iters is 0 and no duration is set: nothing to train")
	case o.Batch < 1:
		return fmt.Errorf("batch %d must be >= 1", o.Batch)
	case o.Block < 1:
		return fmt.Errorf("block %d must be >= 1", o.Block)
	case o.GradAccum < 1:
		return fmt.Errorf("grad-accum %d must be >= 1", o.GradAccum)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("lr %v must be a positive number", o.LR)
	case !(o.MinLR >= 0) || o.MinLR > o.LR:
		return fmt.Errorf("min-lr %v must be in [0, lr=%v]", o.MinLR, o.LR)
	case o.Warmup < 0:
		return fmt.Errorf("warmup %d must be >= 0", o.Warmup)
	case o.LRDecayIters < 0:
		return fmt.Errorf("lr-decay-iters %d must be >= 0", o.LRDecayIters)
	case !(o.Beta1 >= 0 && o.Beta1 < 1):
		return fmt.Errorf("beta1 %v must be in [0, 1)", o.Beta1)
	case !(o.Beta2 >= 0 && o.Beta2 < 1):
		return fmt.Errorf("beta2 %v must be in [0, 1)", o.Beta2)
	case !(o.WeightDecay >= 0):
		return fmt.Errorf("weight-decay %v must be >= 0", o.WeightDecay)
	case !(o.GradClip >= 0):
		return fmt.Errorf("grad-clip %v must be >= 0", o.GradClip)
	case o.EvalInterval < 1:
		return fmt.Errorf("eval-interval %d must be >= 1", o.EvalInterval)
	case o.EvalIters < 0:
		return fmt.Errorf("eval-iters %d must be >= 0", o.EvalIters)
	case o.LogInterval < 1:
		return fmt.Errorf("log-interval %d must be >= 1", o.LogInterval)
	}
	return nil
}

// Trainer trains a Model on a token stream, writing its checkpoints,
// metrics.jsonl and loss.png into Out.
type Trainer struct {
	Model      Model
	Train, Val []int // token streams (Split gives nanoGPT's 90/10)
	Options
	// Out is the output folder, created if missing.
	Out string
	// Save writes the model's own files (weights, config, tokenizer) into
	// Out at each checkpoint, before the training state; nil skips them.
	Save func(dir string) error
	// Meta is stored in the training state, for the caller to rebuild
	// the model on resume (see ReadState).
	Meta map[string]string
	// Progress receives the progress bar (Terminal) or plain lines; nil
	// is silent. PlainEvery spaces the plain lines (default 10s).
	Progress   io.Writer
	Terminal   bool
	PlainEvery time.Duration
	// OnRecord, if set, is called with every record as it is logged.
	OnRecord func(Record)

	opt     *optim.AdamW
	batches *Batcher
	iter    int
	elapsed time.Duration
	bestVal float64
	records []Record
	resumed bool
}

// Result sums up a run.
type Result struct {
	Iters     int           // steps done in total (including before a resume)
	TrainLoss float64       // last step's loss
	ValLoss   float64       // last evaluation's loss (NaN if none)
	BestVal   float64       // best evaluation loss (+Inf if none)
	Elapsed   time.Duration // training time in total
	Tokens    int64         // tokens trained on in this call
	Stopped   bool          // ended early by the context
}

func (t *Trainer) init() error {
	if err := t.Options.Validate(); err != nil {
		return err
	}
	if t.Model == nil {
		return errors.New("train: no model")
	}
	if len(t.Train) <= t.Block {
		return fmt.Errorf("training split has %d tokens; it needs more than the block size %d (use more data or a smaller --block)", len(t.Train), t.Block)
	}
	if t.EvalIters > 0 && len(t.Val) <= t.Block {
		return fmt.Errorf("validation split (last 10%%) has %d tokens; it needs more than the block size %d (use more data, a smaller --block, or --eval-iters 0)", len(t.Val), t.Block)
	}
	if t.Out == "" {
		return errors.New("train: no output folder")
	}
	if err := os.MkdirAll(t.Out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	if t.opt == nil {
		t.opt = optim.NewAdamW(t.LR)
		t.batches = NewBatcher(t.Seed)
		t.bestVal = math.Inf(1)
	}
	t.opt.Beta1, t.opt.Beta2, t.opt.WeightDecay = t.Beta1, t.Beta2, t.WeightDecay
	return nil
}

// Resume restores the run saved in Out: parameters, optimizer moments,
// step count, random state, best validation loss and the metrics logged up
// to the checkpoint. Batch, Block, GradAccum and Seed must match the
// saved run's; the other options may change (e.g. more Iters).
func (t *Trainer) Resume() error {
	if err := t.init(); err != nil {
		return err
	}
	path := filepath.Join(t.Out, StateFile)
	s, err := ReadState(path)
	if err != nil {
		return err
	}
	var saved Options
	if err := json.Unmarshal([]byte(s.Options), &saved); err != nil {
		return fmt.Errorf("%s: options: %w", path, err)
	}
	for _, c := range []struct {
		name       string
		saved, now any
	}{{"batch", saved.Batch, t.Batch}, {"block", saved.Block, t.Block}, {"grad-accum", saved.GradAccum, t.GradAccum}, {"seed", saved.Seed, t.Seed}} {
		if c.saved != c.now {
			return fmt.Errorf("resume: --%s is %v but the saved run used %v", c.name, c.now, c.saved)
		}
	}
	params := t.Model.Params()
	for _, p := range params {
		d, ok := s.Params[p.Name]
		if !ok {
			return fmt.Errorf("%s: no parameter %q", path, p.Name)
		}
		if len(d) != len(p.Data) {
			return fmt.Errorf("%s: parameter %q has %d values, the model %d", path, p.Name, len(d), len(p.Data))
		}
		copy(p.Data, d)
		if s.AdamStep > 0 {
			m, v := s.M[p.Name], s.V[p.Name]
			if len(m) != len(p.Data) || len(v) != len(p.Data) {
				return fmt.Errorf("%s: optimizer moments of %q have %d/%d values, want %d", path, p.Name, len(m), len(v), len(p.Data))
			}
			t.opt.SetState(p, optim.AdamState{Step: s.AdamStep, M: m, V: v})
		}
	}
	if len(s.Params) != len(params) {
		return fmt.Errorf("%s: holds %d parameters, the model has %d", path, len(s.Params), len(params))
	}
	if err := t.batches.UnmarshalBinary(s.RNG); err != nil {
		return fmt.Errorf("%s: rng: %w", path, err)
	}
	if rs, ok := t.Model.(RandomStater); ok && s.ModelRNG != nil {
		if err := rs.SetRandomState(s.ModelRNG); err != nil {
			return fmt.Errorf("%s: model_rng: %w", path, err)
		}
	}
	recs, err := ReadMetrics(filepath.Join(t.Out, "metrics.jsonl"))
	if err != nil {
		return err
	}
	t.records = t.records[:0]
	for _, r := range recs {
		if r.Iter <= s.Iter {
			t.records = append(t.records, r)
		}
	}
	t.iter, t.elapsed, t.bestVal, t.resumed = s.Iter, s.Elapsed, s.BestVal, true
	return nil
}

// Iter returns the number of steps done.
func (t *Trainer) Iter() int { return t.iter }

// Elapsed returns the training time so far (including before a resume).
func (t *Trainer) Elapsed() time.Duration { return t.elapsed }

// Records returns the metrics logged so far.
func (t *Trainer) Records() []Record { return t.records }

// lr returns the learning rate of step it (0-based): nanoGPT's warmup and
// cosine decay over LRDecayIters steps, or, for a run with a duration,
// over the fraction of the duration used.
func (t *Trainer) lr(it int) float64 {
	if t.Iters > 0 {
		total := t.LRDecayIters
		if total == 0 {
			total = t.Iters
		}
		return optim.CosineWithWarmup{Max: t.LR, Min: t.MinLR, Warmup: t.Warmup, Total: total}.LR(it)
	}
	if it < t.Warmup {
		return t.LR * float64(it+1) / float64(t.Warmup+1)
	}
	f := min(1, float64(t.elapsed)/float64(t.Duration))
	return t.MinLR + 0.5*(1+math.Cos(math.Pi*f))*(t.LR-t.MinLR)
}

// Evaluate returns the mean loss over EvalIters batches of the validation
// split, with the model in eval mode (no dropout). The batches are drawn
// by a Batcher seeded afresh from Seed at every evaluation, so every
// evaluation of a run sees the same batches (losses compare across steps
// without sampling noise) and evaluating never moves the training
// batches' random state: an extra evaluation (at a Ctrl-C or at the end of
// a shorter run) leaves the rest of the run unchanged.
func (t *Trainer) Evaluate() float64 {
	t.Model.SetTraining(false)
	defer t.Model.SetTraining(true)
	eb := NewBatcher(t.Seed ^ 0x5eed0fe7a1)
	var sum float64
	for range t.EvalIters {
		x, y := eb.Batch(t.Val, t.Batch, t.Block)
		sum += float64(t.Model.Forward(x, t.Batch, t.Block, y))
	}
	return sum / float64(t.EvalIters)
}

// Run trains until Iters steps are done (or Duration has passed, or ctx
// is cancelled), evaluating and checkpointing every EvalInterval steps and
// at the end. A cancelled run still writes its checkpoint, metrics and
// plot for the step it reached, so it can be resumed.
func (t *Trainer) Run(ctx context.Context) (Result, error) {
	if err := t.init(); err != nil {
		return Result{}, err
	}
	res := Result{ValLoss: math.NaN()}
	if t.Iters > 0 && t.iter >= t.Iters {
		res.Iters, res.BestVal, res.Elapsed = t.iter, t.bestVal, t.elapsed
		return res, nil
	}
	params := t.Model.Params()
	prog := newProgress(t.Progress, t.Terminal, orDefault(t.PlainEvery, 10*time.Second), t.Iters, t.Duration, t.iter)
	defer prog.finish()
	t.Model.SetTraining(true)
	tokensPerStep := t.Batch * t.Block * t.GradAccum
	lastRec, lastIter := time.Now(), t.iter
	mark := time.Now() // elapsed counts wall time: steps, evaluations, checkpoints
	for {
		lr := t.lr(t.iter)
		t.Model.ZeroGrad()
		var loss float64
		for range t.GradAccum {
			x, y := t.batches.Batch(t.Train, t.Batch, t.Block)
			loss += float64(t.Model.Forward(x, t.Batch, t.Block, y))
			t.Model.Backward()
		}
		loss /= float64(t.GradAccum)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return res, fmt.Errorf("training diverged at step %d: loss %v (try a lower --lr)", t.iter+1, loss)
		}
		if t.GradAccum > 1 {
			inv := float32(1 / float64(t.GradAccum))
			for _, p := range params {
				for i := range p.Grad {
					p.Grad[i] *= inv
				}
			}
		}
		if t.GradClip > 0 {
			optim.ClipGradNorm(params, t.GradClip)
		}
		t.opt.SetLR(lr)
		t.opt.Step(params)
		t.iter++
		now := time.Now()
		t.elapsed += now.Sub(mark)
		mark = now
		res.Tokens += int64(tokensPerStep)
		res.TrainLoss = loss

		done := (t.Iters > 0 && t.iter >= t.Iters) || (t.Iters == 0 && t.elapsed >= t.Duration)
		stopped := ctx.Err() != nil
		eval := t.iter%t.EvalInterval == 0 || done || stopped
		if t.iter%t.LogInterval == 0 || eval {
			tps := float64((t.iter-lastIter)*tokensPerStep) / now.Sub(lastRec).Seconds()
			lastRec, lastIter = now, t.iter
			rec := Record{Iter: t.iter, TrainLoss: loss, LR: lr, TokensPerS: math.Round(tps)}
			if eval && t.EvalIters > 0 {
				v := t.Evaluate()
				rec.ValLoss = &v
				res.ValLoss = v
				t.bestVal = min(t.bestVal, v)
				prog.line("step %d: train loss %.4f, val loss %.4f", t.iter, loss, v)
				// Evaluation time is not training throughput.
				lastRec = time.Now()
			}
			t.records = append(t.records, rec)
			if t.OnRecord != nil {
				t.OnRecord(rec)
			}
			prog.step(t.iter, loss, lr, tps, t.elapsed)
		}
		if eval {
			if err := t.Checkpoint(); err != nil {
				return res, err
			}
		}
		if done || stopped {
			res.Stopped = stopped && !done
			break
		}
	}
	res.Iters, res.BestVal, res.Elapsed = t.iter, t.bestVal, t.elapsed
	return res, nil
}

// Checkpoint writes the model files (Save), the training state,
// metrics.jsonl and loss.png into Out. The training state is written last
// and alone decides where a resumed run starts.
func (t *Trainer) Checkpoint() error {
	if err := t.init(); err != nil {
		return err
	}
	if t.Save != nil {
		if err := t.Save(t.Out); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	params := t.Model.Params()
	opts, _ := json.Marshal(t.Options)
	s := &State{Iter: t.iter, Elapsed: t.elapsed, BestVal: t.bestVal, Options: string(opts), Meta: t.Meta,
		Params: map[string][]float32{}, M: map[string][]float32{}, V: map[string][]float32{}}
	var err error
	if s.RNG, err = t.batches.MarshalBinary(); err != nil {
		return err
	}
	if rs, ok := t.Model.(RandomStater); ok {
		if s.ModelRNG, err = rs.RandomState(); err != nil {
			return fmt.Errorf("checkpoint: model random state: %w", err)
		}
	}
	for _, p := range params {
		if _, dup := s.Params[p.Name]; dup {
			return fmt.Errorf("checkpoint: two parameters are named %q", p.Name)
		}
		s.Params[p.Name] = p.Data
		if st, ok := t.opt.State(p); ok {
			s.M[p.Name], s.V[p.Name] = st.M, st.V
			s.AdamStep = st.Step
		}
	}
	if err := WriteMetrics(filepath.Join(t.Out, "metrics.jsonl"), t.records); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := PlotLoss(filepath.Join(t.Out, "loss.png"), t.records); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return WriteState(filepath.Join(t.Out, StateFile), s)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
