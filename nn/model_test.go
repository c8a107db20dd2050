package nn

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golemml/golem/optim"
	"github.com/golemml/golem/safetensors"
	"github.com/golemml/golem/tensor"
)

// xorData is a 2-class problem a linear model cannot solve.
func xorData(n int, seed uint64) (x, y *tensor.Tensor) {
	rng := tensor.NewRNG(seed)
	xd, yd := make([]float32, 2*n), make([]float32, n)
	for i := 0; i < n; i++ {
		a, b := rng.Float32()*2-1, rng.Float32()*2-1
		xd[2*i], xd[2*i+1] = a, b
		if a*b > 0 {
			yd[i] = 1
		}
	}
	return tensor.FromSlice(xd, n, 2), tensor.FromSlice(yd, n, 1)
}

func xorModel(t *testing.T) *Model {
	m, err := NewModel(NewSequential(&Dense{Units: 16, Activation: "tanh"}, &Dense{Units: 1, Activation: "sigmoid"}), []int{2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(optim.NewAdam(0.03), BinaryCrossentropy{}, "accuracy"); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFitEvaluatePredict(t *testing.T) {
	x, y := xorData(400, 1)
	vx, vy := xorData(200, 2)
	m := xorModel(t)
	hooked := 0
	m.GradHook = func(ps []*optim.Param) error {
		hooked++
		if len(ps) != 4 || optim.GradNorm(ps) == 0 {
			t.Errorf("hook: %d params, grad norm %v", len(ps), optim.GradNorm(ps))
		}
		return nil
	}
	var out bytes.Buffer
	h, err := m.Fit(x, y, FitOptions{Epochs: 30, BatchSize: 32, Seed: 3, ValidationX: vx, ValidationY: vy, Verbose: 1, Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	if hooked != 30*13 {
		t.Errorf("gradient hook ran %d times, want %d", hooked, 30*13)
	}
	acc := h.History["val_accuracy"]
	if len(acc) != 30 || acc[29] < 0.9 {
		t.Errorf("val_accuracy %v", acc)
	}
	if l := h.History["loss"]; !(l[29] < l[0]/2) {
		t.Errorf("loss did not fall: %v", l)
	}
	// Not a terminal: one plain line per epoch.
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 60 || lines[0] != "Epoch 1/30" || !strings.HasPrefix(lines[1], "13/13 - ") || !strings.Contains(lines[1], " - loss: ") || !strings.Contains(lines[1], " - val_accuracy: ") || strings.Contains(out.String(), "\r") {
		t.Errorf("progress output:\n%s", out.String())
	}
	logs, err := m.Evaluate(vx, vy, 64)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := logs.Get("accuracy"); a != acc[29] {
		t.Errorf("Evaluate accuracy %v, Fit's last val_accuracy %v", a, acc[29])
	}
	p := m.Predict(vx, 7)
	if !sameShapes(p.Shape(), []int{200, 1}) {
		t.Fatalf("Predict shape %v", p.Shape())
	}
	hits := 0
	for i, v := range p.Data() {
		if (v > 0.5) == (vy.Data()[i] == 1) {
			hits++
		}
	}
	if got := float64(hits) / 200; got != acc[29] {
		t.Errorf("Predict accuracy %v != Evaluate's %v", got, acc[29])
	}
}

func TestProgressBar(t *testing.T) {
	p := &progress{total: 391}
	if got := p.bar(120); got != "120/391 [========>.....................]" {
		t.Errorf("bar(120) = %q", got)
	}
	if got := p.bar(391); got != "391/391 [==============================]" {
		t.Errorf("bar(391) = %q", got)
	}
	if got := p.bar(5); got != "  5/391 [..............................]" {
		t.Errorf("bar(5) = %q", got)
	}
	if got := formatLogs(Logs{{"loss", 0.43214}, {"accuracy", 0.81}}); got != " - loss: 0.4321 - accuracy: 0.8100" {
		t.Errorf("logs %q", got)
	}
	if fmtETA(12) != "12s" || fmtETA(125) != "2:05" || fmtETA(3725) != "1:02:05" {
		t.Error("ETA format")
	}
}

func TestSummaryAndNames(t *testing.T) {
	seq := NewSequential(&Dense{Units: 10}, &Dense{Units: 2}, &BatchNorm{})
	m, err := NewModel(seq, []int{3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	m.Summary(&b)
	want := `Model: "sequential"
_________________________________________________________________
 Layer (type)                Output Shape              Param #   
=================================================================
 dense (Dense)               (None, 10)                40        
                                                                 
 dense_1 (Dense)             (None, 2)                 22        
                                                                 
 batch_norm (BatchNorm)      (None, 2)                 8         
                                                                 
=================================================================
Total params: 70
Trainable params: 66
Non-trainable params: 4
_________________________________________________________________
`
	if b.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", b.String(), want)
	}
	if commas(1234567) != "1,234,567" || commas(999) != "999" || commas(1000) != "1,000" {
		t.Error("commas")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	seq := NewSequential(
		&Embedding{InputDim: 20, OutputDim: 4, MaskZero: true},
		&Bidirectional{Layer: &GRU{Units: 3, ReturnSequences: true}},
		&LSTM{Units: 3},
		&Dropout{Rate: 0.1},
		&Dense{Units: 2, Activation: "softmax"},
	)
	m, err := NewModel(seq, []int{5}, 3)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.FromSlice([]float32{0, 0, 3, 4, 5, 1, 2, 3, 4, 19}, 2, 5)
	a, b := m.Predict(x, 2).ToSlice(), m2.Predict(x, 2).ToSlice()
	if !equal(a, b) {
		t.Errorf("loaded model predicts %v, saved one %v", b, a)
	}
	if len(m2.Params()) != len(m.Params()) {
		t.Errorf("%d params after load, %d before", len(m2.Params()), len(m.Params()))
	}

	// Tampered files: the error names the weight.
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.Tensor
	for _, n := range f.Names() {
		v, sh, _ := f.Float32(n)
		if n == "dense/kernel" {
			sh = []int{sh[1], sh[0]}
		}
		ts = append(ts, safetensors.Tensor{Name: n, Shape: sh, Data: v})
	}
	bad := filepath.Join(dir, "bad.safetensors")
	if err := safetensors.WriteFile(bad, ts, f.Metadata); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), `"dense/kernel" has shape [2 3]`) {
		t.Errorf("wrong shape: error %v", err)
	}
	if err := safetensors.WriteFile(bad, ts[1:], f.Metadata); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing weight: error %v", err)
	}
	if err := safetensors.WriteFile(bad, ts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), ConfigKey) {
		t.Errorf("no config: error %v", err)
	}
}

func TestCallbacks(t *testing.T) {
	dir := t.TempDir()
	x, y := xorData(200, 1)
	vx, vy := xorData(100, 2)
	m := xorModel(t)
	stop := &EarlyStopping{Monitor: "val_loss", Patience: 2, MinDelta: 10, RestoreBestWeights: true}
	csv := &CSVLogger{Path: filepath.Join(dir, "log.csv")}
	jl := &JSONLLogger{Path: filepath.Join(dir, "log.jsonl")}
	ck := &ModelCheckpoint{Path: filepath.Join(dir, "ck-{epoch}.safetensors"), SaveBestOnly: true}
	var lrs []float64
	sched := &LearningRateScheduler{Func: func(epoch int, lr float64) float64 { lrs = append(lrs, lr); return 0.01 / float64(epoch+1) }}
	h, err := m.Fit(x, y, FitOptions{Epochs: 10, BatchSize: 50, ValidationX: vx, ValidationY: vy, Callbacks: []Callback{sched, stop, csv, jl, ck}})
	if err != nil {
		t.Fatal(err)
	}
	// MinDelta 10 means no epoch after the first counts as an improvement.
	if len(h.Epochs) != 3 || stop.StoppedEpoch != 2 || stop.BestEpoch != 0 {
		t.Errorf("epochs %v, stopped %d, best %d", h.Epochs, stop.StoppedEpoch, stop.BestEpoch)
	}
	logs, _ := m.Evaluate(vx, vy, 100)
	if v, _ := logs.Get("loss"); math.Abs(v-h.History["val_loss"][0]) > 1e-6 {
		t.Errorf("restored weights give val_loss %v, epoch 0 had %v", v, h.History["val_loss"][0])
	}
	if len(lrs) != 3 || lrs[1] != 0.01 || lrs[2] != 0.005 || m.Optimizer().LR() != 0.01/3 {
		t.Errorf("learning rates seen %v, now %v", lrs, m.Optimizer().LR())
	}
	b, _ := os.ReadFile(csv.Path)
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(rows) != 4 || rows[0] != "epoch,loss,accuracy,val_loss,val_accuracy" || !strings.HasPrefix(rows[3], "2,") {
		t.Errorf("csv:\n%s", b)
	}
	b, _ = os.ReadFile(jl.Path)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], `{"epoch":0,"loss":`) {
		t.Errorf("jsonl:\n%s", b)
	}
	best := h.History["val_loss"][0] + 1
	for e, v := range h.History["val_loss"] {
		_, err := os.Stat(filepath.Join(dir, fmt.Sprintf("ck-%d.safetensors", e+1)))
		if (err == nil) != (v < best) {
			t.Errorf("epoch %d: val_loss %v (best before %v), checkpoint present: %v", e, v, best, err == nil)
		}
		best = min(best, v)
	}
	if _, err := m.Fit(x, y, FitOptions{Callbacks: []Callback{&EarlyStopping{Monitor: "val_auc"}}}); err == nil || !strings.Contains(err.Error(), `"val_auc" is not in the logs`) {
		t.Errorf("unknown monitor: %v", err)
	}
}

// Same seeds, same data: identical histories and weights, run after run.
func TestFitIsDeterministic(t *testing.T) {
	x, y := xorData(120, 1)
	run := func() ([]float64, []float32) {
		m := xorModel(t)
		h, err := m.Fit(x, y, FitOptions{Epochs: 3, BatchSize: 16, Seed: 9, ValidationSplit: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(h.History["val_loss"]); n != 3 {
			t.Fatalf("ValidationSplit: %d val_loss entries", n)
		}
		return append(h.History["loss"], h.History["val_loss"]...), m.Params()[0].Value.ToSlice()
	}
	h1, w1 := run()
	h2, w2 := run()
	for i := range h1 {
		if h1[i] != h2[i] {
			t.Fatalf("histories differ: %v vs %v", h1, h2)
		}
	}
	if !equal(w1, w2) {
		t.Error("weights differ between identical runs")
	}
}

func TestFitErrors(t *testing.T) {
	x, y := xorData(10, 1)
	m, _ := NewModel(NewSequential(&Dense{Units: 1}), []int{2}, 1)
	if _, err := m.Fit(x, y, FitOptions{}); err == nil || !strings.Contains(err.Error(), "not compiled") {
		t.Errorf("uncompiled: %v", err)
	}
	m = xorModel(t)
	if _, err := m.Fit(x, y.Narrow(0, 0, 5), FitOptions{}); err == nil || !strings.Contains(err.Error(), "10 examples but y has 5") {
		t.Errorf("count mismatch: %v", err)
	}
	if err := m.Compile(optim.NewAdam(1e-3), MSE{}, "accuracy", "bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown metric: %v", err)
	}
	if _, err := NewModel(NewSequential(&Dense{Units: 2}, &LSTM{Units: 2}), []int{3}, 1); err == nil || !strings.Contains(err.Error(), "layer 1") {
		t.Errorf("bad stack: %v", err)
	}
}

// A step-based optim.Schedule sets the rate before every batch.
func TestLearningRateSchedulePerStep(t *testing.T) {
	x, y := xorData(64, 1)
	m := xorModel(t)
	sched := optim.ExponentialDecay{Initial: 0.1, DecaySteps: 1, Rate: 0.5}
	var seen []float64
	probe := probeLR{&seen}
	if _, err := m.Fit(x, y, FitOptions{Epochs: 2, BatchSize: 32, Callbacks: []Callback{&LearningRateScheduler{Schedule: sched, PerStep: true}, probe}}); err != nil {
		t.Fatal(err)
	}
	// 2 steps per epoch: steps 0..3 ran with 0.1, 0.05, 0.025, 0.0125.
	if m.Optimizer().LR() != 0.0125 || len(seen) != 2 || seen[0] != 0.05 {
		t.Errorf("lr now %v, at epoch ends %v", m.Optimizer().LR(), seen)
	}
}

type probeLR struct{ seen *[]float64 }

func (p probeLR) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	*p.seen = append(*p.seen, m.Optimizer().LR())
	return nil
}

// A seed-shaped model (Embedding → LSTM → TimeDistributed(Dense softmax))
// takes the fused head in Evaluate; its loss and accuracy must equal those
// computed from Predict's probabilities with the plain loss.
func TestFusedHeadThroughModel(t *testing.T) {
	seq := NewSequential(
		&Embedding{InputDim: 12, OutputDim: 5},
		&LSTM{Units: 4, ReturnSequences: true},
		&TimeDistributed{Layer: &Dense{Units: 12, Activation: "softmax"}},
	)
	m, err := NewModel(seq, []int{6}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(optim.NewAdam(0.05), SparseCategoricalCrossentropy{}, "accuracy"); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.fused(); !ok {
		t.Fatal("fused head not selected")
	}
	rng := tensor.NewRNG(3)
	x, y := tensor.Zeros(10, 6), tensor.Zeros(10, 6)
	for i := range x.Data() {
		x.Data()[i] = float32(rng.IntN(12))
		y.Data()[i] = float32((int(x.Data()[i]) + 1) % 12) // learnable: next id
	}
	h, err := m.Fit(x, y, FitOptions{Epochs: 60, BatchSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.History["accuracy"]; acc[len(acc)-1] < 0.9 {
		t.Errorf("accuracy after training %v", acc[len(acc)-1])
	}
	logs, err := m.Evaluate(x, y, 4)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Predict(x, 3)
	want := SparseCategoricalCrossentropy{}.Compute(p, y).Item()
	if got, _ := logs.Get("loss"); math.Abs(got-float64(want)) > 1e-5 {
		t.Errorf("fused loss %v, plain loss %v", got, want)
	}
	hits := 0
	pd := p.Data()
	for r := 0; r < 60; r++ {
		best := 0
		for k := 1; k < 12; k++ {
			if pd[r*12+k] > pd[r*12+best] {
				best = k
			}
		}
		if float32(best) == y.Data()[r] {
			hits++
		}
	}
	if got, _ := logs.Get("accuracy"); got != float64(hits)/60 {
		t.Errorf("fused accuracy %v, from Predict %v", got, float64(hits)/60)
	}
}

// On a terminal the line is redrawn in place with \r and ends with the
// epoch's totals.
func TestProgressTerminal(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true, total: 4, start: time.Now().Add(-2 * time.Second)}
	p.update(2, Logs{{"loss", 0.5}})
	p.finish(Logs{{"loss", 0.25}, {"accuracy", 0.75}})
	s := b.String()
	if !regexp.MustCompile(`^\r2/4 \[==============>\.{15}\] - ETA: \d+s - loss: 0\.5000`).MatchString(s) {
		t.Errorf("redraw line %q", s)
	}
	// Elapsed time is whatever the clock says: match its shape only.
	final := regexp.MustCompile(`\r4/4 \[=+\] - \d+s \d+ms/step - loss: 0\.2500 - accuracy: 0\.7500\x1b\[K\n$`)
	if !final.MatchString(s) {
		t.Errorf("final line %q", s)
	}
}

// With a padding mask reaching the output, the loss and metrics average
// over the real steps only (Keras's apply_valid_mask), in the fused head
// and in the plain path, and padded steps get no gradient.
func TestMaskedSequenceLoss(t *testing.T) {
	x := tensor.FromSlice([]float32{0, 0, 3, 4, 0, 5, 6, 7}, 2, 4) // pre-padded
	for _, fusedCase := range []bool{true, false} {
		act := "softmax"
		var loss Loss = SparseCategoricalCrossentropy{}
		y := tensor.FromSlice([]float32{1, 2, 4, 5, 9, 6, 7, 8}, 2, 4)
		if !fusedCase {
			act, loss = "linear", MSE{}
			y = tensor.RandN(tensor.NewRNG(5), 2, 4, 10)
		}
		seq := NewSequential(
			&Embedding{InputDim: 10, OutputDim: 3, MaskZero: true},
			&LSTM{Units: 4, ReturnSequences: true},
			&TimeDistributed{Layer: &Dense{Units: 10, Activation: act}},
		)
		m, err := NewModel(seq, []int{4}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(optim.NewAdam(0.01), loss); err != nil {
			t.Fatal(err)
		}
		if _, ok := m.fused(); ok != fusedCase {
			t.Fatalf("fused = %v, want %v", ok, fusedCase)
		}
		logs, _ := m.Evaluate(x, y, 2)
		got, _ := logs.Get("loss")
		// Reference: the plain loss over the 5 real steps of Predict.
		p := m.Predict(x, 2).ToSlice()
		yd := y.ToSlice()
		per := len(yd) / 8
		var pv, yv []float32
		for r, id := range x.ToSlice() {
			if id != 0 {
				pv = append(pv, p[r*10:(r+1)*10]...)
				yv = append(yv, yd[r*per:(r+1)*per]...)
			}
		}
		var want float32
		if fusedCase {
			want = loss.Compute(tensor.FromSlice(pv, 5, 10), tensor.FromSlice(yv, 5)).Item()
		} else {
			want = loss.Compute(tensor.FromSlice(pv, 5, 10), tensor.FromSlice(yv, 5, 10)).Item()
		}
		if math.Abs(got-float64(want)) > 1e-5 {
			t.Errorf("fused=%v: masked loss %v, want %v over the real steps", fusedCase, got, want)
		}
		// Padded steps' targets cannot matter: change them, same loss.
		yd2 := y.ToSlice()
		for r, id := range x.ToSlice() {
			if id == 0 {
				for k := 0; k < per; k++ {
					yd2[r*per+k] = 0
				}
			}
		}
		logs2, _ := m.Evaluate(x, tensor.FromSlice(yd2, y.Shape()...), 2)
		if g2, _ := logs2.Get("loss"); g2 != got {
			t.Errorf("fused=%v: padded targets changed the loss: %v vs %v", fusedCase, g2, got)
		}
	}
}
