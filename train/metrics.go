package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/golemml/golem/internal/atomicfile"
)

// Record is one logged training step, one line of metrics.jsonl.
type Record struct {
	Iter       int      `json:"iter"`               // optimizer steps done, 1-based
	TrainLoss  float64  `json:"train_loss"`         // mean cross-entropy of this step's batch (nats per token)
	LR         float64  `json:"lr"`                 // learning rate of this step
	TokensPerS float64  `json:"tokens_per_s"`       // training throughput since the previous record
	ValLoss    *float64 `json:"val_loss,omitempty"` // mean validation loss, on evaluation steps
}

// WriteMetrics writes records to path as JSON lines, atomically.
func WriteMetrics(path string, records []Record) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		for _, r := range records {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

// ReadMetrics reads a metrics.jsonl file. A missing file gives no records
// and no error; a malformed line gives an error naming the file and line.
func ReadMetrics(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Record
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r Record
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}
