package train

import (
	"bytes"
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus returns a token stream with learnable structure: a repeating
// pattern with some noise.
func corpus(n, V int) []int {
	out := make([]int, n)
	s := uint64(7)
	for i := range out {
		s = s*6364136223846793005 + 1442695040888963407
		if s>>60 == 0 {
			out[i] = int(s>>33) % V
		} else {
			out[i] = (i * 3) % V
		}
	}
	return out
}

func tinyOptions() Options {
	o := Defaults()
	o.Iters, o.Batch, o.Block = 20, 4, 8
	o.LR, o.MinLR, o.Warmup = 5e-2, 5e-3, 3
	o.EvalInterval, o.EvalIters = 5, 3
	return o
}

func newTrainer(t *testing.T, out string, o Options) *Trainer {
	t.Helper()
	tr, va := Split(corpus(2000, 11), 0.9)
	return &Trainer{Model: newBigram(11, 1), Train: tr, Val: va, Options: o, Out: out}
}

func TestTrainWritesMetricsPlotAndLearns(t *testing.T) {
	out := t.TempDir()
	tr := newTrainer(t, out, tinyOptions())
	saved := 0
	tr.Save = func(dir string) error {
		saved++
		return os.WriteFile(filepath.Join(dir, "model.txt"), []byte("m"), 0o644)
	}
	var progress bytes.Buffer
	tr.Progress = &progress
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Iters != 20 || res.Stopped {
		t.Fatalf("result %+v: want 20 iters, not stopped", res)
	}
	if saved != 4 { // evals at 5, 10, 15, 20
		t.Errorf("Save called %d times, want 4", saved)
	}
	recs, err := ReadMetrics(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 20 {
		t.Fatalf("%d records, want 20", len(recs))
	}
	var vals []float64
	for i, r := range recs {
		if r.Iter != i+1 {
			t.Fatalf("record %d has iter %d", i, r.Iter)
		}
		if !(r.TrainLoss > 0) || !(r.LR > 0) || !(r.TokensPerS > 0) {
			t.Fatalf("record %+v: want positive loss, lr and tokens/s", r)
		}
		if (r.ValLoss != nil) != (r.Iter%5 == 0) {
			t.Fatalf("record %d: val_loss present = %v", r.Iter, r.ValLoss != nil)
		}
		if r.ValLoss != nil {
			vals = append(vals, *r.ValLoss)
		}
	}
	// Warmup: lr of step 0 is LR/(Warmup+1); the cosine ends at MinLR.
	if got, want := recs[0].LR, 5e-2/4; math.Abs(got-want) > 1e-12 {
		t.Errorf("lr of step 1 = %v, want %v", got, want)
	}
	if got := recs[19].LR; got < 5e-3 || got > 6e-3 {
		t.Errorf("lr of last step = %v, want near min-lr 5e-3", got)
	}
	if !(vals[len(vals)-1] < vals[0]-0.2) {
		t.Errorf("val loss did not fall: %v", vals)
	}
	if !(res.BestVal <= vals[len(vals)-1]) || res.ValLoss != vals[len(vals)-1] {
		t.Errorf("result best %v last %v, vals %v", res.BestVal, res.ValLoss, vals)
	}
	f, err := os.Open(filepath.Join(out, "loss.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("loss.png: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dy() < 100 {
		t.Errorf("loss.png is %v", b)
	}
	if _, err := os.Stat(filepath.Join(out, "model.txt")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(progress.String(), "val loss") {
		t.Errorf("progress output lacks evaluation lines:\n%s", progress.String())
	}
}

// TestResumeIsExact trains N steps straight and N/2 + resume N/2 and wants
// the same loss log and the same weights, bit for bit.
func TestResumeIsExact(t *testing.T) {
	for _, accum := range []int{1, 3} {
		o := tinyOptions()
		o.GradAccum = accum
		straight := newTrainer(t, t.TempDir(), o)
		if _, err := straight.Run(context.Background()); err != nil {
			t.Fatal(err)
		}

		dir := t.TempDir()
		half := o
		half.Iters = 10
		half.LRDecayIters = 20 // same schedule as the full run
		first := newTrainer(t, dir, half)
		if _, err := first.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		full := o
		full.LRDecayIters = 20
		second := newTrainer(t, dir, full)
		second.Model = newBigram(11, 99) // different init: Resume must overwrite it
		if err := second.Resume(); err != nil {
			t.Fatal(err)
		}
		if second.Iter() != 10 {
			t.Fatalf("resumed at %d, want 10", second.Iter())
		}
		if _, err := second.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		a, b := straight.Records(), second.Records()
		if len(a) != len(b) {
			t.Fatalf("accum %d: %d records straight, %d resumed", accum, len(a), len(b))
		}
		for i := range a {
			av, bv := math.NaN(), math.NaN()
			if a[i].ValLoss != nil {
				av = *a[i].ValLoss
			}
			if b[i].ValLoss != nil {
				bv = *b[i].ValLoss
			}
			if a[i].Iter != b[i].Iter || a[i].TrainLoss != b[i].TrainLoss || a[i].LR != b[i].LR ||
				(av != bv && !(math.IsNaN(av) && math.IsNaN(bv))) {
				t.Fatalf("accum %d: record %d differs: %+v (val %v) vs %+v (val %v)", accum, i, a[i], av, b[i], bv)
			}
		}
		pa, pb := straight.Model.Params(), second.Model.Params()
		for i := range pa {
			for j := range pa[i].Data {
				if pa[i].Data[j] != pb[i].Data[j] {
					t.Fatalf("accum %d: %s[%d] = %v straight, %v resumed", accum, pa[i].Name, j, pa[i].Data[j], pb[i].Data[j])
				}
			}
		}
		// The log on disk is the resumed run's whole log.
		recs, err := ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
		if err != nil || len(recs) != 20 {
			t.Fatalf("metrics.jsonl after resume: %d records, %v", len(recs), err)
		}
	}
}

func TestResumeChecksOptionsAndFiles(t *testing.T) {
	dir := t.TempDir()
	o := tinyOptions()
	o.Iters = 5
	if _, err := newTrainer(t, dir, o).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	o2 := o
	o2.Batch = 5
	err := newTrainer(t, dir, o2).Resume()
	if err == nil || !strings.Contains(err.Error(), "--batch") {
		t.Errorf("resume with another batch: %v", err)
	}
	tr := newTrainer(t, dir, o)
	tr.Model = newBigram(12, 1)
	if err := tr.Resume(); err == nil || !strings.Contains(err.Error(), "w.weight") {
		t.Errorf("resume into another shape: %v", err)
	}
	if err := newTrainer(t, t.TempDir(), o).Resume(); err == nil || !strings.Contains(err.Error(), StateFile) {
		t.Errorf("resume with no state: %v", err)
	}
	os.WriteFile(filepath.Join(dir, StateFile), []byte("garbage"), 0o644)
	if err := newTrainer(t, dir, o).Resume(); err == nil || !strings.Contains(err.Error(), StateFile) {
		t.Errorf("resume from a corrupt state: %v", err)
	}
}

func TestCancelledRunCheckpoints(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, dir, tinyOptions())
	ctx, cancel := context.WithCancel(context.Background())
	tr.OnRecord = func(r Record) {
		if r.Iter == 7 {
			cancel()
		}
	}
	res, err := tr.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || res.Iters != 8 {
		t.Fatalf("result %+v: want stopped after 8 steps", res)
	}
	s, err := ReadState(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	if s.Iter != 8 || s.AdamStep != 8 || len(s.Params) != 2 || len(s.M["w.weight"]) != 121 {
		t.Fatalf("state iter %d adam %d params %d", s.Iter, s.AdamStep, len(s.Params))
	}
}

func TestDurationRun(t *testing.T) {
	o := tinyOptions()
	o.Iters, o.Duration = 0, 1 // 1ns: stops after the first step
	tr := newTrainer(t, t.TempDir(), o)
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Iters != 1 || math.IsNaN(res.ValLoss) {
		t.Fatalf("result %+v: want one step and a final evaluation", res)
	}
}

func TestValidateAndDataErrors(t *testing.T) {
	cases := []struct {
		edit func(*Options)
		want string
	}{
		{func(o *Options) { o.Batch = 0 }, "batch"},
		{func(o *Options) { o.LR = -1 }, "lr"},
		{func(o *Options) { o.MinLR = 1 }, "min-lr"},
		{func(o *Options) { o.Beta2 = 1 }, "beta2"},
		{func(o *Options) { o.Iters = 0 }, "duration"},
		{func(o *Options) { o.GradAccum = 0 }, "grad-accum"},
	}
	for _, c := range cases {
		o := tinyOptions()
		c.edit(&o)
		_, err := newTrainer(t, t.TempDir(), o).Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v", c.want, err)
		}
	}
	tr := newTrainer(t, t.TempDir(), tinyOptions())
	tr.Val = tr.Val[:8]
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "validation split") {
		t.Errorf("short val split: %v", err)
	}
}
