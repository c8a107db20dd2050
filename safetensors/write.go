package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/golemml/golem/internal/atomicfile"
)

// Tensor is a named float32 tensor to write.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// WriteFile writes tensors as F32 to path atomically (a crash leaves the
// old file or the new one, never half of one). Tensors are laid out and
// listed in name order after "__metadata__" (omitted when metadata is
// empty); the header is padded with spaces to a multiple of 8 bytes, as the
// reference implementation does. It returns an error, writing nothing, if
// names repeat or are empty or "__metadata__", or a shape does not match
// its data.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	header, order, err := buildHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return writeBody(w, header, order)
	})
}

// Write writes tensors in the safetensors format to w (see WriteFile).
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, order, err := buildHeader(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return writeBody(w, header, order)
}

func buildHeader(tensors []Tensor, metadata map[string]string) ([]byte, []*Tensor, error) {
	order := make([]*Tensor, len(tensors))
	seen := make(map[string]bool, len(tensors))
	for i := range tensors {
		t := &tensors[i]
		if t.Name == "" || t.Name == "__metadata__" {
			return nil, nil, fmt.Errorf("tensor %d: invalid name %q", i, t.Name)
		}
		if seen[t.Name] {
			return nil, nil, fmt.Errorf("tensor %q: name repeated", t.Name)
		}
		seen[t.Name] = true
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, nil, fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, nil, fmt.Errorf("tensor %q: shape %v holds %d values but data has %d", t.Name, t.Shape, n, len(t.Data))
		}
		order[i] = t
	}
	sort.Slice(order, func(i, j int) bool { return order[i].Name < order[j].Name })

	var hb bytes.Buffer
	str := func(s string) {
		// json.Marshal escapes <, >, & for HTML; the reference (serde_json)
		// does not, so encode without HTML escaping.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		hb.Write(bytes.TrimRight(b.Bytes(), "\n"))
	}
	hb.WriteByte('{')
	first := true
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		hb.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				hb.WriteByte(',')
			}
			str(k)
			hb.WriteByte(':')
			str(metadata[k])
		}
		hb.WriteByte('}')
		first = false
	}
	var off int64
	for _, t := range order {
		if !first {
			hb.WriteByte(',')
		}
		first = false
		str(t.Name)
		hb.WriteString(`:{"dtype":"F32","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				hb.WriteByte(',')
			}
			fmt.Fprint(&hb, d)
		}
		end := off + 4*int64(len(t.Data))
		fmt.Fprintf(&hb, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	hb.WriteByte('}')
	for hb.Len()%8 != 0 {
		hb.WriteByte(' ')
	}
	return hb.Bytes(), order, nil
}

func writeBody(w io.Writer, header []byte, order []*Tensor) error {
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	buf := make([]byte, 1<<16)
	for _, t := range order {
		d := t.Data
		for len(d) > 0 {
			k := min(len(d), len(buf)/4)
			for i, v := range d[:k] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*k]); err != nil {
				return err
			}
			d = d[k:]
		}
	}
	return nil
}
