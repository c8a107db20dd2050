package text

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"
)

// ToJSON serializes the tokenizer in the format of Keras's
// Tokenizer.to_json(), which tokenizer_from_json (and TokenizerFromJSON)
// read back: {"class_name": "Tokenizer", "config": {...}} where the
// vocabulary maps are themselves JSON strings. Word counts and the word
// index keep Keras's order; word_docs and index_docs, which Keras writes in
// Python's set-iteration order, are written in first-seen and id order.
func (t *Tokenizer) ToJSON() []byte {
	var b bytes.Buffer
	b.WriteString(`{"class_name": "Tokenizer", "config": {"num_words": `)
	if t.NumWords > 0 {
		b.WriteString(strconv.Itoa(t.NumWords))
	} else {
		b.WriteString("null")
	}
	b.WriteString(`, "filters": `)
	pyString(&b, t.Filters)
	fmt.Fprintf(&b, `, "lower": %v, "split": `, t.Lower)
	pyString(&b, t.Split)
	fmt.Fprintf(&b, `, "char_level": %v, "oov_token": `, t.CharLevel)
	if t.OOVToken != "" {
		pyString(&b, t.OOVToken)
	} else {
		b.WriteString("null")
	}
	fmt.Fprintf(&b, `, "document_count": %d`, t.DocumentCount)

	inner := func(key string, write func(*bytes.Buffer)) {
		var ib bytes.Buffer
		ib.WriteByte('{')
		write(&ib)
		ib.WriteByte('}')
		fmt.Fprintf(&b, `, "%s": `, key)
		pyString(&b, ib.String())
	}
	sep := func(ib *bytes.Buffer, first *bool) {
		if !*first {
			ib.WriteString(", ")
		}
		*first = false
	}
	inner("word_counts", func(ib *bytes.Buffer) {
		first := true
		for _, w := range t.order {
			sep(ib, &first)
			pyString(ib, w)
			fmt.Fprintf(ib, ": %d", t.WordCounts[w])
		}
	})
	inner("word_docs", func(ib *bytes.Buffer) {
		first := true
		for _, w := range t.order {
			if c, ok := t.WordDocs[w]; ok {
				sep(ib, &first)
				pyString(ib, w)
				fmt.Fprintf(ib, ": %d", c)
			}
		}
	})
	inner("index_docs", func(ib *bytes.Buffer) {
		ids := make([]int, 0, len(t.IndexDocs))
		for i := range t.IndexDocs {
			ids = append(ids, i)
		}
		sort.Ints(ids)
		first := true
		for _, i := range ids {
			sep(ib, &first)
			fmt.Fprintf(ib, `"%d": %d`, i, t.IndexDocs[i])
		}
	})
	inner("index_word", func(ib *bytes.Buffer) {
		first := true
		for _, w := range t.indexOrder {
			sep(ib, &first)
			fmt.Fprintf(ib, `"%d": `, t.WordIndex[w])
			pyString(ib, w)
		}
	})
	inner("word_index", func(ib *bytes.Buffer) {
		first := true
		for _, w := range t.indexOrder {
			sep(ib, &first)
			pyString(ib, w)
			fmt.Fprintf(ib, ": %d", t.WordIndex[w])
		}
	})
	b.WriteString("}}")
	return b.Bytes()
}

// pyString writes s as Python's json.dumps does by default
// (ensure_ascii=True): non-ASCII and control characters as \uXXXX escapes,
// astral characters as surrogate pairs.
func pyString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	u4 := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(hex[r>>12&15])
		b.WriteByte(hex[r>>8&15])
		b.WriteByte(hex[r>>4&15])
		b.WriteByte(hex[r&15])
	}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r >= 0x20 && r <= 0x7e:
				b.WriteRune(r)
			case r > 0xffff:
				r -= 0x10000
				u4(0xd800 | (r>>10)&0x3ff)
				u4(0xdc00 | r&0x3ff)
			default:
				u4(r)
			}
		}
	}
	b.WriteByte('"')
}

// TokenizerFromJSON reads a tokenizer written by Keras's
// Tokenizer.to_json() (or ToJSON). Missing options take Keras's defaults.
// Errors name the field that is wrong.
func TokenizerFromJSON(data []byte) (*Tokenizer, error) {
	var outer struct {
		ClassName *string `json:"class_name"`
		Config    *struct {
			NumWords      *int    `json:"num_words"`
			Filters       *string `json:"filters"`
			Lower         *bool   `json:"lower"`
			Split         *string `json:"split"`
			CharLevel     *bool   `json:"char_level"`
			OOVToken      *string `json:"oov_token"`
			DocumentCount int     `json:"document_count"`
			WordCounts    *string `json:"word_counts"`
			WordDocs      *string `json:"word_docs"`
			IndexDocs     *string `json:"index_docs"`
			IndexWord     *string `json:"index_word"`
			WordIndex     *string `json:"word_index"`
		} `json:"config"`
	}
	fail := func(format string, args ...any) (*Tokenizer, error) {
		return nil, fmt.Errorf("text: tokenizer JSON: "+format, args...)
	}
	if err := json.Unmarshal(data, &outer); err != nil {
		return fail("%v", err)
	}
	if outer.ClassName != nil && *outer.ClassName != "Tokenizer" {
		return fail("class_name is %q, want \"Tokenizer\"", *outer.ClassName)
	}
	c := outer.Config
	if c == nil {
		return fail("missing config")
	}
	t := NewTokenizer()
	if c.NumWords != nil {
		if *c.NumWords < 0 {
			return fail("config.num_words is %d", *c.NumWords)
		}
		t.NumWords = *c.NumWords
	}
	if c.Filters != nil {
		t.Filters = *c.Filters
	}
	if c.Lower != nil {
		t.Lower = *c.Lower
	}
	if c.Split != nil {
		t.Split = *c.Split
	}
	if c.CharLevel != nil {
		t.CharLevel = *c.CharLevel
	}
	if c.OOVToken != nil {
		t.OOVToken = *c.OOVToken
	}
	if c.DocumentCount < 0 {
		return fail("config.document_count is %d", c.DocumentCount)
	}
	t.DocumentCount = c.DocumentCount
	t.WordCounts, t.WordDocs, t.WordIndex = map[string]int{}, map[string]int{}, map[string]int{}
	t.IndexWord, t.IndexDocs = map[int]string{}, map[int]int{}

	var err error
	if t.order, err = orderedInts("word_counts", c.WordCounts, t.WordCounts, 0); err != nil {
		return nil, err
	}
	if _, err = orderedInts("word_docs", c.WordDocs, t.WordDocs, 0); err != nil {
		return nil, err
	}
	if t.indexOrder, err = orderedInts("word_index", c.WordIndex, t.WordIndex, 1); err != nil {
		return nil, err
	}
	intKeys := func(field string, s *string, put func(k int, v json.RawMessage) error) error {
		if s == nil {
			return nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(*s), &m); err != nil {
			return fmt.Errorf("text: tokenizer JSON: config.%s: %v", field, err)
		}
		for k, v := range m {
			i, err := strconv.Atoi(k)
			if err != nil {
				return fmt.Errorf("text: tokenizer JSON: config.%s: key %q is not an integer", field, k)
			}
			if err := put(i, v); err != nil {
				return fmt.Errorf("text: tokenizer JSON: config.%s[%q]: %v", field, k, err)
			}
		}
		return nil
	}
	if err := intKeys("index_docs", c.IndexDocs, func(k int, v json.RawMessage) error {
		var n int
		if err := json.Unmarshal(v, &n); err != nil {
			return err
		}
		t.IndexDocs[k] = n
		return nil
	}); err != nil {
		return nil, err
	}
	if err := intKeys("index_word", c.IndexWord, func(k int, v json.RawMessage) error {
		var w string
		if err := json.Unmarshal(v, &w); err != nil {
			return err
		}
		if k < 1 {
			return fmt.Errorf("id %d below 1", k)
		}
		t.IndexWord[k] = w
		return nil
	}); err != nil {
		return nil, err
	}
	if c.IndexWord == nil {
		for w, i := range t.WordIndex {
			t.IndexWord[i] = w
		}
	}
	// Keras assigns ids 1..n; far larger ones would make Vocabulary and
	// SequencesToMatrix allocate for nothing.
	limit := len(t.WordIndex) + len(t.IndexWord) + 1
	for w, i := range t.WordIndex {
		if i > limit {
			return fail("config.word_index: id %d of %q beyond the %d entries", i, w, limit-1)
		}
	}
	for i := range t.IndexWord {
		if i > limit {
			return fail("config.index_word: id %d beyond the %d entries", i, limit-1)
		}
	}
	return t, nil
}

// orderedInts decodes a JSON-encoded object of string → int into m,
// returning its keys in file order; values below minVal are an error.
func orderedInts(field string, s *string, m map[string]int, minVal int) ([]string, error) {
	if s == nil {
		return nil, nil
	}
	fail := func(format string, args ...any) ([]string, error) {
		return nil, fmt.Errorf("text: tokenizer JSON: config.%s: "+format, append([]any{field}, args...)...)
	}
	if !utf8.ValidString(*s) {
		return fail("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(*s)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail("not a JSON object")
	}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("%v", err)
		}
		key := tok.(string)
		var v int
		if err := dec.Decode(&v); err != nil {
			return fail("value of %q: %v", key, err)
		}
		if v < minVal {
			return fail("value of %q is %d, below %d", key, v, minVal)
		}
		if _, dup := m[key]; !dup {
			order = append(order, key)
		}
		m[key] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return fail("malformed object")
	}
	if dec.More() {
		return fail("trailing data")
	}
	if _, err := dec.Token(); err == nil {
		return fail("trailing data")
	} else if !errors.Is(err, io.EOF) {
		return fail("%v", err)
	}
	return order, nil
}
