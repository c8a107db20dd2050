package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	"github.com/golemml/golem/internal/atomicfile"
)

// Char is a character-level tokenizer: one id per distinct rune of the
// corpus, ids in rune order, as nanoGPT's shakespeare_char prepare.py does
// (chars = sorted(set(data))). Bytes of the corpus that are not valid UTF-8
// are read as U+FFFD, as Go's range over a string reads them.
//
// Encode drops runes that are not in the vocabulary (a model cannot take an
// id it does not have); EncodeStrict reports them instead.
type Char struct {
	chars []rune
	ascii [utf8.RuneSelf]int32 // id+1 of each ASCII rune, 0 when absent
	index map[rune]int         // every rune -> id
}

// NewChar builds the vocabulary of corpus.
func NewChar(corpus string) *Char {
	seen := map[rune]bool{}
	for _, r := range corpus {
		seen[r] = true
	}
	chars := make([]rune, 0, len(seen))
	for r := range seen {
		chars = append(chars, r)
	}
	slices.Sort(chars)
	return newChar(chars)
}

func newChar(chars []rune) *Char {
	c := &Char{chars: chars, index: make(map[rune]int, len(chars))}
	for id, r := range chars {
		c.index[r] = id
		if r < utf8.RuneSelf {
			c.ascii[r] = int32(id + 1)
		}
	}
	return c
}

// Chars returns the vocabulary: rune of each id (a copy).
func (c *Char) Chars() []rune { return slices.Clone(c.chars) }

// VocabSize is the number of distinct runes.
func (c *Char) VocabSize() int { return len(c.chars) }

func (c *Char) id(r rune) (int, bool) {
	if r < utf8.RuneSelf && r >= 0 {
		v := c.ascii[r]
		return int(v - 1), v != 0
	}
	id, ok := c.index[r]
	return id, ok
}

// Has reports whether r is in the vocabulary.
func (c *Char) Has(r rune) bool {
	_, ok := c.id(r)
	return ok
}

// Encode returns the id of each rune of text, skipping runes that are not in
// the vocabulary.
func (c *Char) Encode(text string) []int {
	ids := make([]int, 0, len(text))
	for _, r := range text {
		if id, ok := c.id(r); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// EncodeStrict is Encode that fails on the first rune not in the
// vocabulary, naming it and its byte offset.
func (c *Char) EncodeStrict(text string) ([]int, error) {
	ids := make([]int, 0, len(text))
	for off, r := range text {
		id, ok := c.id(r)
		if !ok {
			return nil, fmt.Errorf("char tokenizer: rune %q (U+%04X) at byte %d is not in the vocabulary", r, r, off)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Decode returns the runes of ids; ids outside the vocabulary are skipped.
func (c *Char) Decode(ids []int) string {
	out := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < len(c.chars) {
			out = utf8.AppendRune(out, c.chars[id])
		}
	}
	return string(out)
}

// charFile is the JSON form of vocab_char.json.
type charFile struct {
	Type  string   `json:"type"`  // "char"
	Chars []string `json:"chars"` // one rune per entry, in id order
}

// Save writes vocab_char.json into dir, atomically.
func (c *Char) Save(dir string) error {
	f := charFile{Type: "char", Chars: make([]string, len(c.chars))}
	for i, r := range c.chars {
		f.Chars[i] = string(r)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, CharFile), buf.Bytes())
}

// LoadChar reads vocab_char.json from dir.
func LoadChar(dir string) (*Char, error) {
	path := filepath.Join(dir, CharFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load char tokenizer: %w", err)
	}
	return ParseChar(path, data)
}

// ParseChar builds a Char from the contents of a vocab_char.json file; name
// is used in errors.
func ParseChar(name string, data []byte) (*Char, error) {
	var f charFile
	if err := json.Unmarshal(data, &f); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset-1) // Offset counts the bad byte
			return nil, fmt.Errorf("%s:%d:%d: %v", name, line, col, se)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if f.Type != "char" {
		return nil, fmt.Errorf("%s: field \"type\" is %q, want \"char\"", name, f.Type)
	}
	if len(f.Chars) == 0 {
		return nil, fmt.Errorf("%s: field \"chars\" is empty", name)
	}
	chars := make([]rune, len(f.Chars))
	seen := make(map[rune]int, len(f.Chars))
	for i, s := range f.Chars {
		r, w := utf8.DecodeRuneInString(s)
		if w == 0 || w != len(s) || (r == utf8.RuneError && w == 1) {
			return nil, fmt.Errorf("%s: chars[%d] is %q, want exactly one character", name, i, s)
		}
		if j, dup := seen[r]; dup {
			return nil, fmt.Errorf("%s: chars[%d] repeats %q of chars[%d]", name, i, s, j)
		}
		seen[r] = i
		chars[i] = r
	}
	return newChar(chars), nil
}
