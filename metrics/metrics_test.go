package metrics

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tol = 1e-12

type fixtures struct {
	Binary []struct {
		Pred, Label           []float32
		Threshold             float64
		TP, FP, FN, TN        int
		BinaryAccuracy        float64 `json:"binary_accuracy"`
		Precision, Recall, F1 float64
		AUC                   *float64
	}
	Categorical []struct {
		Classes, K                int
		Pred, Label, Onehot       []float32
		CategoricalAccuracy       float64 `json:"categorical_accuracy"`
		SparseCategoricalAccuracy float64 `json:"sparse_categorical_accuracy"`
		TopKAccuracy              float64 `json:"top_k_accuracy"`
	}
}

func load(t *testing.T) *fixtures {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "metrics_fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Binary) == 0 || len(f.Categorical) == 0 {
		t.Fatal("empty fixture")
	}
	return &f
}

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

func TestBinaryAgainstNumpy(t *testing.T) {
	for i, c := range load(t).Binary {
		thr := float32(c.Threshold)
		cc := ConfusionCounts(c.Pred, c.Label, thr)
		if cc != (Confusion{TP: c.TP, FP: c.FP, TN: c.TN, FN: c.FN}) {
			t.Errorf("case %d: confusion %+v, want tp=%d fp=%d tn=%d fn=%d", i, cc, c.TP, c.FP, c.TN, c.FN)
		}
		checks := []struct {
			name      string
			got, want float64
		}{
			{"BinaryAccuracy", BinaryAccuracy(c.Pred, c.Label, thr), c.BinaryAccuracy},
			{"Precision", Precision(c.Pred, c.Label, thr), c.Precision},
			{"Recall", Recall(c.Pred, c.Label, thr), c.Recall},
			{"F1", F1(c.Pred, c.Label, thr), c.F1},
			{"AUC", AUC(c.Pred, c.Label), *c.AUC},
		}
		for _, ch := range checks {
			if !near(ch.got, ch.want) {
				t.Errorf("case %d (n=%d): %s = %.15g, want %.15g", i, len(c.Pred), ch.name, ch.got, ch.want)
			}
		}
		// Streaming in uneven batches gives the same values.
		ms := []Metric{NewBinaryAccuracy(thr), NewPrecision(thr), NewRecall(thr), NewF1(thr), NewAUC()}
		wants := []float64{c.BinaryAccuracy, c.Precision, c.Recall, c.F1, *c.AUC}
		for _, m := range ms {
			m.Update([]float32{1}, []int{1}, []float32{0}) // garbage, then Reset
			m.Reset()
			for lo := 0; lo < len(c.Pred); lo += 7 {
				hi := min(len(c.Pred), lo+7)
				m.Update(c.Pred[lo:hi], []int{hi - lo, 1}, c.Label[lo:hi])
			}
		}
		for k, m := range ms {
			if !near(m.Result(), wants[k]) {
				t.Errorf("case %d: streaming %s = %.15g, want %.15g", i, m.Name(), m.Result(), wants[k])
			}
		}
	}
}

func TestCategoricalAgainstNumpy(t *testing.T) {
	for i, c := range load(t).Categorical {
		if got := CategoricalAccuracy(c.Pred, c.Onehot, c.Classes); !near(got, c.CategoricalAccuracy) {
			t.Errorf("case %d: CategoricalAccuracy = %g, want %g", i, got, c.CategoricalAccuracy)
		}
		if got := SparseCategoricalAccuracy(c.Pred, c.Label, c.Classes); !near(got, c.SparseCategoricalAccuracy) {
			t.Errorf("case %d: SparseCategoricalAccuracy = %g, want %g", i, got, c.SparseCategoricalAccuracy)
		}
		if got := TopKAccuracy(c.Pred, c.Label, c.Classes, c.K); !near(got, c.TopKAccuracy) {
			t.Errorf("case %d: TopKAccuracy(k=%d) = %g, want %g", i, c.K, got, c.TopKAccuracy)
		}
		cat, sp, tk := NewCategoricalAccuracy(), NewSparseCategoricalAccuracy(), NewTopKAccuracy(c.K)
		rows := len(c.Label)
		for lo := 0; lo < rows; lo += 9 {
			hi := min(rows, lo+9)
			p := c.Pred[lo*c.Classes : hi*c.Classes]
			shape := []int{hi - lo, c.Classes}
			cat.Update(p, shape, c.Onehot[lo*c.Classes:hi*c.Classes])
			sp.Update(p, shape, c.Label[lo:hi])
			tk.Update(p, shape, c.Label[lo:hi])
		}
		for _, m := range []struct {
			m    Metric
			want float64
		}{{cat, c.CategoricalAccuracy}, {sp, c.SparseCategoricalAccuracy}, {tk, c.TopKAccuracy}} {
			if !near(m.m.Result(), m.want) {
				t.Errorf("case %d: streaming %s = %g, want %g", i, m.m.Name(), m.m.Result(), m.want)
			}
		}
	}
}

func TestHandComputed(t *testing.T) {
	// Four examples: scores .9 (pos), .8 (neg), .6 (pos), .2 (neg).
	pred := []float32{0.9, 0.8, 0.6, 0.2}
	label := []float32{1, 0, 1, 0}
	// At 0.5: predicted positive .9 .8 .6 -> TP 2, FP 1, TN 1, FN 0.
	if got := BinaryAccuracy(pred, label, 0.5); got != 0.75 {
		t.Errorf("BinaryAccuracy = %g, want 0.75", got)
	}
	if got := Precision(pred, label, 0.5); got != 2.0/3 {
		t.Errorf("Precision = %g, want 2/3", got)
	}
	if got := Recall(pred, label, 0.5); got != 1 {
		t.Errorf("Recall = %g, want 1", got)
	}
	if got := F1(pred, label, 0.5); got != 0.8 {
		t.Errorf("F1 = %g, want 0.8", got)
	}
	// Pairs (pos, neg): (.9,.8) (.9,.2) (.6,.8)x (.6,.2) -> 3/4.
	if got := AUC(pred, label); got != 0.75 {
		t.Errorf("AUC = %g, want 0.75", got)
	}
	// Exactly at the threshold is negative (pred > threshold, as Keras).
	if got := BinaryAccuracy([]float32{0.5}, []float32{0}, 0.5); got != 1 {
		t.Errorf("0.5 at threshold 0.5 counted positive")
	}
	// All tied: AUC 0.5 (sklearn gives 0.5 for constant scores).
	if got := AUC([]float32{0.3, 0.3, 0.3}, []float32{1, 0, 1}); got != 0.5 {
		t.Errorf("AUC of tied scores = %g, want 0.5", got)
	}
	// One tie across classes: pos {.7,.5}, neg {.5,.1}: (.7>.5)(.7>.1)(.5=.5 half)(.5>.1) = 3.5/4.
	if got := AUC([]float32{0.7, 0.5, 0.5, 0.1}, []float32{1, 1, 0, 0}); got != 0.875 {
		t.Errorf("AUC with a tie = %g, want 0.875", got)
	}
	if got := AUC([]float32{0.1, 0.2}, []float32{1, 1}); !math.IsNaN(got) {
		t.Errorf("AUC with one class = %g, want NaN", got)
	}
	if got := AUC([]float32{0.1, float32(math.NaN())}, []float32{1, 0}); !math.IsNaN(got) {
		t.Errorf("AUC with a NaN score = %g, want NaN", got)
	}
	// Empty denominators are 0.
	if got := Precision([]float32{0.1}, []float32{1}, 0.5); got != 0 {
		t.Errorf("Precision with no predicted positives = %g", got)
	}
	if got := Recall([]float32{0.9}, []float32{0}, 0.5); got != 0 {
		t.Errorf("Recall with no positive labels = %g", got)
	}
	// Argmax ties go to the first index (np.argmax / tf.argmax).
	if got := SparseCategoricalAccuracy([]float32{0.4, 0.4, 0.2}, []float32{0}, 3); got != 1 {
		t.Errorf("tie should pick class 0")
	}
	// in_top_k: ties at the boundary are in: scores [.5 .5 .5], k=1 -> all in.
	if got := TopKAccuracy([]float32{0.5, 0.5, 0.5}, []float32{2}, 3, 1); got != 1 {
		t.Errorf("top-1 with a three-way tie = %g, want 1", got)
	}
	if got := TopKAccuracy([]float32{0.1, 0.5, 0.3, 0.2}, []float32{3}, 4, 2); got != 0 {
		t.Errorf("label ranked 3rd counted in top 2")
	}
	if got := TopKAccuracy([]float32{0.1, 0.5, 0.3, 0.2}, []float32{2}, 4, 2); got != 1 {
		t.Errorf("label ranked 2nd not counted in top 2")
	}
}

func TestMean(t *testing.T) {
	m := NewMean("loss")
	if m.Result() != 0 || m.Name() != "loss" {
		t.Errorf("fresh mean %g %q", m.Result(), m.Name())
	}
	m.Update([]float32{1, 2}, nil, nil)
	m.Update([]float32{6}, nil, nil)
	if m.Result() != 3 {
		t.Errorf("mean = %g, want 3", m.Result())
	}
	m.Reset()
	if m.Result() != 0 {
		t.Errorf("after Reset %g", m.Result())
	}
}

func TestByName(t *testing.T) {
	for _, n := range []string{"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy", "precision", "recall", "f1_score", "auc"} {
		m, err := ByName(n)
		if err != nil || m.Name() != n {
			t.Errorf("ByName(%q) = %v, %v", n, m, err)
		}
	}
	if _, err := ByName("accuracy"); err == nil || !strings.Contains(err.Error(), `"accuracy"`) {
		t.Errorf("ByName(accuracy) err = %v", err)
	}
}

func TestMisusePanics(t *testing.T) {
	cases := map[string]func(){
		"length":        func() { BinaryAccuracy([]float32{1, 2}, []float32{1}, 0.5) },
		"rows":          func() { CategoricalAccuracy(make([]float32, 5), make([]float32, 5), 2) },
		"label range":   func() { SparseCategoricalAccuracy(make([]float32, 4), []float32{0, 2}, 2) },
		"label integer": func() { SparseCategoricalAccuracy(make([]float32, 4), []float32{0, 0.5}, 2) },
		"shape":         func() { NewCategoricalAccuracy().Update(make([]float32, 6), []int{4, 2}, make([]float32, 6)) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.HasPrefix(r.(string), "metrics.") {
					t.Errorf("%s: panic %v, want a message naming the op", name, r)
				}
			}()
			f()
		}()
	}
}

func TestRegression(t *testing.T) {
	pred := []float32{1, 2, 3, 4}
	label := []float32{2, 2, 1, 8}
	// errors -1 0 2 -4: squares 1 0 4 16 (mean 5.25), abs 1 0 2 4 (mean 1.75).
	if got := MeanSquaredError(pred, label); got != 5.25 {
		t.Errorf("MSE = %g", got)
	}
	if got := MeanAbsoluteError(pred, label); got != 1.75 {
		t.Errorf("MAE = %g", got)
	}
	for name, want := range map[string]float64{"mse": 5.25, "mae": 1.75, "rmse": math.Sqrt(5.25)} {
		m, err := ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		m.Update(pred[:1], []int{1, 1}, label[:1])
		m.Update(pred[1:], []int{3, 1}, label[1:])
		if got := m.Result(); math.Abs(got-want) > 1e-15 {
			t.Errorf("streaming %s = %g, want %g", m.Name(), got, want)
		}
		m.Reset()
		if m.Result() != 0 {
			t.Errorf("%s after Reset = %g", name, m.Result())
		}
	}
}

func TestAccuracyFor(t *testing.T) {
	cases := []struct {
		label, pred []int
		want        string
	}{
		{[]int{32, 1}, []int{32, 1}, "binary_accuracy"},
		{[]int{32}, []int{32, 1}, "binary_accuracy"},
		{[]int{32}, []int{32, 10}, "sparse_categorical_accuracy"},
		{[]int{32, 1}, []int{32, 10}, "sparse_categorical_accuracy"},
		{[]int{32, 10}, []int{32, 10}, "categorical_accuracy"},
		{[]int{8, 5, 1}, []int{8, 5, 7}, "sparse_categorical_accuracy"},
	}
	for _, c := range cases {
		if got := AccuracyFor(c.label, c.pred).Name(); got != c.want {
			t.Errorf("AccuracyFor(%v, %v) = %s, want %s", c.label, c.pred, got, c.want)
		}
	}
}
