package tokenizer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// Tokenizer turns text into token ids and back.
type Tokenizer interface {
	Encode(text string) []int
	Decode(ids []int) string
	VocabSize() int
	// Save writes the tokenizer's files into dir (which exists).
	Save(dir string) error
}

// Both tokenizers implement Tokenizer.
var (
	_ Tokenizer = (*BPE)(nil)
	_ Tokenizer = (*Char)(nil)
)

// File names of each tokenizer format.
const (
	CharFile      = "vocab_char.json" // Char
	HFVocabFile   = "vocab.json"      // BPE, Hugging Face names
	HFMergesFile  = "merges.txt"
	GPT2VocabFile = "encoder.json" // BPE, OpenAI's original names
	GPT2MergeFile = "vocab.bpe"
)

// Load detects which tokenizer files are in a model directory and loads
// them: vocab.json + merges.txt, encoder.json + vocab.bpe or tokenizer.json
// give a *BPE (in that order of preference, as LoadBPE), vocab_char.json a
// *Char. A folder with both a BPE and a character vocabulary is an error:
// the two disagree about every id.
func Load(dir string) (Tokenizer, error) {
	has := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, name))
		return err == nil && st.Mode().IsRegular()
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("load tokenizer: %s is not a folder", dir)
	}
	bpe := has(HFVocabFile) || has(HFMergesFile) || has(GPT2VocabFile) || has(GPT2MergeFile) || has(HFTokenizerFile)
	ch := has(CharFile)
	switch {
	case ch && bpe:
		return nil, fmt.Errorf("load tokenizer: %s has both %s and BPE files; keep one", dir, CharFile)
	case ch:
		return LoadChar(dir)
	case bpe:
		return LoadBPE(dir)
	}
	return nil, fmt.Errorf("load tokenizer: %s has no tokenizer files (%s + %s, %s + %s, %s, or %s)",
		dir, HFVocabFile, HFMergesFile, GPT2VocabFile, GPT2MergeFile, HFTokenizerFile, CharFile)
}

// errNotExist reports whether err says a file is missing.
func errNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// ToValidUTF8 replaces each ill-formed UTF-8 sequence of s with U+FFFD the
// way Python's bytes.decode("utf-8", errors="replace") does: one U+FFFD per
// maximal subpart (a truncated but otherwise valid prefix such as
// "\xe2\x82" is one U+FFFD; a byte that cannot start or continue a sequence
// is one U+FFFD each). Valid text is returned as is.
func ToValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			out = append(out, s[i])
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || w > 1 {
			out = append(out, s[i:i+w]...)
			i += w
			continue
		}
		out = append(out, "\uFFFD"...)
		i += maximalSubpart(s[i:])
	}
	return string(out)
}

// maximalSubpart returns the length of the longest prefix of s (which does
// not start with a valid sequence) that is the start of some well-formed
// UTF-8 sequence, at least 1.
func maximalSubpart(s string) int {
	c := s[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	if len(s) < 2 || s[1] < lo || s[1] > hi {
		return 1
	}
	k := 2
	for k <= need && k < len(s) && s[k] >= 0x80 && s[k] <= 0xBF {
		k++
	}
	return k
}

// incompleteTail reports whether s (which does not start with a valid
// sequence) is a truncated prefix of a valid sequence, so that more bytes
// could still complete it.
func incompleteTail(s string) bool {
	c := s[0]
	return c >= 0xC2 && c <= 0xF4 && maximalSubpart(s) == len(s)
}

// StreamDecoder decodes ids one at a time, as a server streams generated
// tokens, without ever emitting broken UTF-8: a token that ends in the
// middle of a character is held back until the character is complete. The
// text of all Add calls followed by Flush equals
// ToValidUTF8(t.Decode(allIDs)).
type StreamDecoder struct {
	t       Tokenizer
	bpe     *BPE
	pending []byte
}

// NewStreamDecoder returns a StreamDecoder for t.
func NewStreamDecoder(t Tokenizer) *StreamDecoder {
	d := &StreamDecoder{t: t}
	d.bpe, _ = t.(*BPE)
	return d
}

// Add decodes id and returns the text that is now complete (possibly "").
func (d *StreamDecoder) Add(id int) string {
	if d.bpe != nil {
		d.pending = append(d.pending, d.bpe.TokenBytes(id)...)
	} else {
		d.pending = append(d.pending, d.t.Decode([]int{id})...)
	}
	s := string(d.pending)
	out := make([]byte, 0, len(s))
	i := 0
	for i < len(s) {
		if s[i] < utf8.RuneSelf {
			out = append(out, s[i])
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || w > 1 {
			out = append(out, s[i:i+w]...)
			i += w
			continue
		}
		if incompleteTail(s[i:]) {
			break
		}
		out = append(out, "\uFFFD"...)
		i += maximalSubpart(s[i:])
	}
	d.pending = append(d.pending[:0], s[i:]...)
	return string(out)
}

// Flush returns what is held back, an incomplete character, as U+FFFD, and
// resets the decoder for a new stream.
func (d *StreamDecoder) Flush() string {
	s := ToValidUTF8(string(d.pending))
	d.pending = d.pending[:0]
	return s
}
