package train

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/golemml/golem/safetensors"
)

// StateFile is the name of the training state in the output folder.
const StateFile = "train_state.safetensors"

const stateFormat = "golem-train-state/1"

// State is everything a resumed run needs to continue exactly where the
// saved run was: the parameters, AdamW's moments, the step count, the
// batch sampler's random state and the best validation loss. It is stored
// as one safetensors file (tensors "param/NAME", "adam_m/NAME",
// "adam_v/NAME"; the scalars in the header's metadata), written atomically,
// so a crash leaves the previous state or the new one.
type State struct {
	Iter     int           // optimizer steps done
	Elapsed  time.Duration // training time so far (for --duration runs)
	BestVal  float64       // best validation loss so far, +Inf if none
	RNG      []byte        // Batcher state
	ModelRNG []byte        // the model's own random state (dropout), if it has one
	AdamStep int           // AdamW's step count
	Options  string        // the Options of the run, JSON
	Params   map[string][]float32
	M, V     map[string][]float32
	// Meta holds the caller's strings, e.g. the model config as JSON.
	Meta map[string]string
}

// WriteState writes s to path atomically.
func WriteState(path string, s *State) error {
	md := map[string]string{
		"format":        stateFormat,
		"iter":          strconv.Itoa(s.Iter),
		"elapsed_ns":    strconv.FormatInt(int64(s.Elapsed), 10),
		"best_val_loss": strconv.FormatFloat(s.BestVal, 'g', -1, 64),
		"rng":           hex.EncodeToString(s.RNG),
		"adam_step":     strconv.Itoa(s.AdamStep),
		"options":       s.Options,
	}
	if s.ModelRNG != nil {
		md["model_rng"] = hex.EncodeToString(s.ModelRNG)
	}
	for k, v := range s.Meta {
		md["meta."+k] = v
	}
	var ts []safetensors.Tensor
	add := func(prefix string, m map[string][]float32) {
		for name, d := range m {
			ts = append(ts, safetensors.Tensor{Name: prefix + name, Shape: []int{len(d)}, Data: d})
		}
	}
	add("param/", s.Params)
	add("adam_m/", s.M)
	add("adam_v/", s.V)
	if err := safetensors.WriteFile(path, ts, md); err != nil {
		return fmt.Errorf("write training state: %w", err)
	}
	return nil
}

// ReadState reads a training state written by WriteState, with errors
// naming the file and the field that is wrong.
func ReadState(path string) (*State, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read training state: %w", err)
	}
	md := f.Metadata
	if md["format"] != stateFormat {
		return nil, fmt.Errorf("%s: not a golem training state (format %q, want %q)", path, md["format"], stateFormat)
	}
	s := &State{Options: md["options"], Meta: map[string]string{},
		Params: map[string][]float32{}, M: map[string][]float32{}, V: map[string][]float32{}}
	atoi := func(key string) (int64, error) {
		v, err := strconv.ParseInt(md[key], 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%s: metadata %q = %q is not a count", path, key, md[key])
		}
		return v, nil
	}
	var n int64
	if n, err = atoi("iter"); err != nil {
		return nil, err
	}
	s.Iter = int(n)
	if n, err = atoi("adam_step"); err != nil {
		return nil, err
	}
	s.AdamStep = int(n)
	if n, err = atoi("elapsed_ns"); err != nil {
		return nil, err
	}
	s.Elapsed = time.Duration(n)
	if s.BestVal, err = strconv.ParseFloat(md["best_val_loss"], 64); err != nil || math.IsNaN(s.BestVal) {
		return nil, fmt.Errorf("%s: metadata \"best_val_loss\" = %q is not a number", path, md["best_val_loss"])
	}
	if s.RNG, err = hex.DecodeString(md["rng"]); err != nil || len(s.RNG) == 0 {
		return nil, fmt.Errorf("%s: metadata \"rng\" is not a hex random state", path)
	}
	if h, ok := md["model_rng"]; ok {
		if s.ModelRNG, err = hex.DecodeString(h); err != nil {
			return nil, fmt.Errorf("%s: metadata \"model_rng\" is not hex", path)
		}
	}
	for k, v := range md {
		if rest, ok := strings.CutPrefix(k, "meta."); ok {
			s.Meta[rest] = v
		}
	}
	for _, name := range f.Names() {
		d, _, err := f.Float32(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch {
		case strings.HasPrefix(name, "param/"):
			s.Params[strings.TrimPrefix(name, "param/")] = d
		case strings.HasPrefix(name, "adam_m/"):
			s.M[strings.TrimPrefix(name, "adam_m/")] = d
		case strings.HasPrefix(name, "adam_v/"):
			s.V[strings.TrimPrefix(name, "adam_v/")] = d
		default:
			return nil, fmt.Errorf("%s: unexpected tensor %q", path, name)
		}
	}
	return s, nil
}
