package nn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/golemml/golem/internal/atomicfile"
	"github.com/golemml/golem/optim"
)

// Callback is called by Fit at the end of every epoch with the epoch's
// logs. A callback may also implement any of
//
//	OnTrainBegin(*Model) error
//	OnEpochBegin(*Model, epoch int) error
//	OnBatchBegin(*Model, step int) error   // step counts optimizer steps
//	OnTrainEnd(*Model) error
//
// An error from any of them stops Fit and is returned.
type Callback interface {
	OnEpochEnd(m *Model, epoch int, logs Logs) error
}

// monitorMode returns +1 when larger values of key are better (accuracy,
// auc, precision, ...), -1 otherwise (losses, errors), as Keras's mode
// "auto".
func monitorMode(key, mode string) float64 {
	switch mode {
	case "max":
		return 1
	case "min":
		return -1
	}
	k := strings.TrimPrefix(key, "val_")
	for _, s := range []string{"acc", "auc", "precision", "recall", "f1"} {
		if strings.Contains(k, s) {
			return 1
		}
	}
	return -1
}

// EarlyStopping stops training when Monitor (default "val_loss") has not
// improved by more than MinDelta for Patience epochs, as Keras's callback.
// With RestoreBestWeights the weights of the best epoch are put back when it
// stops (and at the end of training).
type EarlyStopping struct {
	Monitor            string
	Mode               string // "auto" (default), "min" or "max"
	MinDelta           float64
	Patience           int
	RestoreBestWeights bool

	// StoppedEpoch is the epoch at which training stopped (-1 if it did not).
	StoppedEpoch int
	// BestEpoch is the epoch with the best monitored value.
	BestEpoch int

	best float64
	wait int
	save [][]float32
}

// OnTrainBegin resets the state.
func (e *EarlyStopping) OnTrainBegin(m *Model) error {
	if e.Monitor == "" {
		e.Monitor = "val_loss"
	}
	e.best = math.Inf(-1)
	e.wait, e.StoppedEpoch, e.BestEpoch, e.save = 0, -1, -1, nil
	return nil
}

// OnEpochEnd checks for improvement.
func (e *EarlyStopping) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	v, ok := logs.Get(e.Monitor)
	if !ok {
		return fmt.Errorf("nn.EarlyStopping: monitored value %q is not in the logs (have %s)", e.Monitor, logKeys(logs))
	}
	s := monitorMode(e.Monitor, e.Mode) * v
	if e.BestEpoch < 0 || s-math.Abs(e.MinDelta) > e.best {
		e.best, e.wait, e.BestEpoch = s, 0, epoch
		if e.RestoreBestWeights {
			e.save = snapshot(m)
		}
		return nil
	}
	e.wait++
	if e.wait >= e.Patience {
		e.StoppedEpoch = epoch
		m.StopTraining = true
		if e.RestoreBestWeights && e.save != nil {
			restore(m, e.save)
		}
	}
	return nil
}

func logKeys(l Logs) string {
	var ks []string
	for _, e := range l {
		ks = append(ks, e.Key)
	}
	return strings.Join(ks, ", ")
}

func snapshot(m *Model) [][]float32 {
	var s [][]float32
	for _, p := range m.Params() {
		s = append(s, p.Value.ToSlice())
	}
	return s
}

func restore(m *Model, s [][]float32) {
	for i, p := range m.Params() {
		copy(p.Value.Data(), s[i])
	}
}

// ModelCheckpoint saves the model (Model.Save, atomically) after each
// epoch, or with SaveBestOnly only when Monitor (default "val_loss")
// improves. Path may contain "{epoch}" (1-based), as Keras's filepath
// formatting.
type ModelCheckpoint struct {
	Path         string
	Monitor      string
	Mode         string
	SaveBestOnly bool

	best  float64
	found bool
}

// OnEpochEnd saves when due.
func (c *ModelCheckpoint) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	if c.SaveBestOnly {
		v, ok := logs.Get(c.Monitor)
		if !ok {
			return fmt.Errorf("nn.ModelCheckpoint: monitored value %q is not in the logs (have %s)", c.Monitor, logKeys(logs))
		}
		s := monitorMode(c.Monitor, c.Mode) * v
		if c.found && s <= c.best {
			return nil
		}
		c.best, c.found = s, true
	}
	path := strings.ReplaceAll(c.Path, "{epoch}", fmt.Sprint(epoch+1))
	return m.Save(path)
}

// LearningRateScheduler sets the optimizer's learning rate from Schedule
// (an optim.Schedule such as optim.ExponentialDecay) or from Func, as
// Keras's callback. By default the rate is set at the start of each epoch
// from the epoch index; with PerStep it is set before every batch from the
// optimizer step count, which is what step-based schedules
// (CosineWithWarmup) expect.
type LearningRateScheduler struct {
	Schedule optim.Schedule
	Func     func(index int, lr float64) float64
	PerStep  bool
}

func (s *LearningRateScheduler) set(m *Model, i int) error {
	switch {
	case s.Schedule != nil:
		m.opt.SetLR(s.Schedule.LR(i))
	case s.Func != nil:
		m.opt.SetLR(s.Func(i, m.opt.LR()))
	default:
		return fmt.Errorf("nn.LearningRateScheduler: neither Schedule nor Func is set")
	}
	return nil
}

// OnEpochBegin sets the rate for the epoch.
func (s *LearningRateScheduler) OnEpochBegin(m *Model, epoch int) error {
	if s.PerStep {
		return nil
	}
	return s.set(m, epoch)
}

// OnBatchBegin sets the rate for the step.
func (s *LearningRateScheduler) OnBatchBegin(m *Model, step int) error {
	if !s.PerStep {
		return nil
	}
	return s.set(m, step)
}

// OnEpochEnd records nothing (the rate appears in the logs of loggers).
func (s *LearningRateScheduler) OnEpochEnd(m *Model, epoch int, logs Logs) error { return nil }

// CSVLogger writes one row per epoch (epoch, then the logs in order) to
// Path, as Keras's CSVLogger. The whole file is rewritten atomically each
// epoch, so it is always complete.
type CSVLogger struct {
	Path string
	rows bytes.Buffer
}

// OnTrainBegin starts a new file.
func (c *CSVLogger) OnTrainBegin(m *Model) error { c.rows.Reset(); return nil }

// OnEpochEnd appends a row.
func (c *CSVLogger) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	if c.rows.Len() == 0 {
		c.rows.WriteString("epoch")
		for _, e := range logs {
			c.rows.WriteString("," + e.Key)
		}
		c.rows.WriteByte('\n')
	}
	fmt.Fprint(&c.rows, epoch)
	for _, e := range logs {
		fmt.Fprintf(&c.rows, ",%v", e.Value)
	}
	c.rows.WriteByte('\n')
	return atomicfile.WriteFile(c.Path, c.rows.Bytes())
}

// JSONLLogger writes one JSON object per epoch ({"epoch":0,"loss":...}) to
// Path, rewriting the file atomically each epoch.
type JSONLLogger struct {
	Path string
	rows bytes.Buffer
}

// OnTrainBegin starts a new file.
func (c *JSONLLogger) OnTrainBegin(m *Model) error { c.rows.Reset(); return nil }

// OnEpochEnd appends a line.
func (c *JSONLLogger) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	fmt.Fprintf(&c.rows, `{"epoch":%d`, epoch)
	for _, e := range logs {
		k, _ := json.Marshal(e.Key)
		v := "null"
		if !math.IsNaN(e.Value) && !math.IsInf(e.Value, 0) {
			v = fmt.Sprint(e.Value)
		}
		fmt.Fprintf(&c.rows, ",%s:%s", k, v)
	}
	c.rows.WriteString("}\n")
	return atomicfile.WriteFile(c.Path, c.rows.Bytes())
}

// OnTrainEnd puts back the best weights when RestoreBestWeights is set and
// the last epoch was not the best (training ran out of epochs before the
// patience did).
func (e *EarlyStopping) OnTrainEnd(m *Model) error {
	if e.RestoreBestWeights && e.save != nil && e.StoppedEpoch < 0 && e.wait > 0 {
		restore(m, e.save)
	}
	return nil
}
