package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/golemml/golem/internal/atomicfile"
)

// LoadBPE reads a GPT-2 style byte-level BPE from dir: vocab.json and
// merges.txt (Hugging Face names) or, when those are absent, encoder.json
// and vocab.bpe (OpenAI's names; the contents have the same format), or
// else Hugging Face's single-file tokenizer.json (see ParseTokenizerJSON).
// Errors name the file and the line or token at fault.
func LoadBPE(dir string) (*BPE, error) {
	vocabName, mergesName := HFVocabFile, HFMergesFile
	if _, err := os.Stat(filepath.Join(dir, vocabName)); errNotExist(err) {
		if _, err := os.Stat(filepath.Join(dir, GPT2VocabFile)); err == nil {
			vocabName, mergesName = GPT2VocabFile, GPT2MergeFile
		} else if tj := filepath.Join(dir, HFTokenizerFile); fileExists(tj) {
			data, err := os.ReadFile(tj)
			if err != nil {
				return nil, fmt.Errorf("load bpe: %w", err)
			}
			return ParseTokenizerJSON(tj, data)
		}
	}
	vpath := filepath.Join(dir, vocabName)
	mpath := filepath.Join(dir, mergesName)
	vdata, err := os.ReadFile(vpath)
	if err != nil {
		return nil, fmt.Errorf("load bpe: %w", err)
	}
	mdata, err := os.ReadFile(mpath)
	if err != nil {
		return nil, fmt.Errorf("load bpe: %w", err)
	}
	return ParseBPE(vpath, vdata, mpath, mdata)
}

// ParseBPE builds a BPE from the contents of a vocabulary file (JSON object
// token -> id) and a merges file ("#version" line, then one "a b" pair per
// line). The names are used in errors only.
func ParseBPE(vocabName string, vocab []byte, mergesName string, merges []byte) (*BPE, error) {
	enc, err := parseVocab(vocabName, vocab)
	if err != nil {
		return nil, err
	}
	ms, lines, err := parseMerges(mergesName, merges)
	if err != nil {
		return nil, err
	}
	b, err := newBPE(enc, ms, func(i int) string { return fmt.Sprintf("%s:%d", mergesName, lines[i]) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", vocabName, err)
	}
	return b, nil
}

// fileExists reports whether path is there (and not a folder).
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

func parseVocab(name string, data []byte) (map[string]int, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset-1) // Offset counts the bad byte
			return nil, fmt.Errorf("%s:%d:%d: %v", name, line, col, se)
		}
		return nil, fmt.Errorf("%s: want a JSON object of token -> id: %v", name, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("%s: want a JSON object of token -> id, got null", name)
	}
	enc := make(map[string]int, len(raw))
	for tok, v := range raw {
		id, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil {
			return nil, fmt.Errorf("%s: token %q: id %.40s is not an integer id", name, tok, v)
		}
		enc[tok] = id
	}
	return enc, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// parseMerges returns the merges and the 1-based line of each.
func parseMerges(name string, data []byte) ([][2]string, []int, error) {
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, w := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && w == 1 {
				break
			}
			off += w
		}
		line, col := lineCol(data, int64(off))
		return nil, nil, fmt.Errorf("%s:%d:%d: invalid UTF-8", name, line, col)
	}
	text := string(data)
	var merges [][2]string
	var lines []int
	for ln := 1; len(text) > 0; ln++ {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		line = strings.TrimSuffix(line, "\r")
		if ln == 1 && strings.HasPrefix(line, "#version") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, nil, fmt.Errorf("%s:%d: want two tokens separated by a space, got %d fields", name, ln, len(f))
		}
		merges = append(merges, [2]string{f[0], f[1]})
		lines = append(lines, ln)
	}
	return merges, lines, nil
}

// jsonString encodes s as a JSON string without HTML escaping, as Hugging
// Face writes vocab.json.
func jsonString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string cannot fail to encode
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

// Save writes vocab.json (tokens in id order) and merges.txt (with the
// "#version: 0.2" first line), Hugging Face's names and formats, into dir.
// Each file is written atomically.
func (b *BPE) Save(dir string) error {
	err := atomicfile.Write(filepath.Join(dir, HFVocabFile), func(w io.Writer) error {
		var buf []byte
		buf = append(buf, '{')
		for i, id := range b.sortedIDs() {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, jsonString(b.strs[id])...)
			buf = append(buf, ':')
			buf = strconv.AppendInt(buf, int64(id), 10)
		}
		buf = append(buf, '}')
		_, err := w.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, HFMergesFile), func(w io.Writer) error {
		if _, err := io.WriteString(w, "#version: 0.2\n"); err != nil {
			return err
		}
		for _, m := range b.merges {
			if _, err := io.WriteString(w, m[0]+" "+m[1]+"\n"); err != nil {
				return err
			}
		}
		return nil
	})
}
