package text

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultFilters are the characters Keras removes from texts: ASCII
// punctuation except the apostrophe, tab and newline.
const DefaultFilters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n"

// TextToWordSequence is Keras's text_to_word_sequence: optionally
// lower-case text, replace every character of filters by split, split on
// the literal separator split and drop empty strings. Unlike
// strings.Fields, only split separates words (a tab survives unless it is
// filtered).
func TextToWordSequence(text, filters string, lower bool, split string) []string {
	if lower {
		text = pyLower(text)
	}
	if filters != "" {
		var b strings.Builder
		b.Grow(len(text))
		for _, r := range text {
			if strings.ContainsRune(filters, r) {
				b.WriteString(split)
			} else {
				b.WriteRune(r)
			}
		}
		text = b.String()
	}
	var parts []string
	if split == "" {
		// Python's str.split("") raises; Keras never gets here with its
		// defaults. Treat an empty separator as whitespace splitting.
		parts = strings.Fields(text)
	} else {
		parts = strings.Split(text, split)
	}
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Tokenizer turns texts into sequences of word ids, as Keras's
// Tokenizer. Set the options before FitOnTexts; NewTokenizer gives Keras's
// defaults.
type Tokenizer struct {
	// NumWords keeps only the NumWords-1 most frequent words when turning
	// texts into sequences (ids >= NumWords are dropped, or replaced by the
	// OOV id when OOVToken is set). 0 keeps all (Keras's None).
	NumWords int
	// Filters are the characters removed from texts (default
	// DefaultFilters). Not used with CharLevel.
	Filters string
	// Lower lower-cases texts first (default true), with Python's
	// str.lower rules.
	Lower bool
	// Split is the word separator (default " ").
	Split string
	// CharLevel makes every character (code point) a token.
	CharLevel bool
	// Analyzer, when set, splits texts into tokens instead of
	// TextToWordSequence (Keras's analyzer): it gets the raw text, without
	// lower-casing or filtering. Not used with CharLevel.
	Analyzer func(text string) []string
	// OOVToken, when not "", is added to the vocabulary at index 1 and
	// stands for unknown words. "" means none (Keras's None).
	OOVToken string

	// WordCounts counts each token over all fitted texts.
	WordCounts map[string]int
	// WordDocs counts the texts each token occurs in.
	WordDocs map[string]int
	// WordIndex maps tokens to ids from 1; it is rebuilt by each FitOnTexts.
	WordIndex map[string]int
	// IndexWord is WordIndex's inverse.
	IndexWord map[int]string
	// IndexDocs maps ids to WordDocs counts (for the "tfidf" matrix mode).
	IndexDocs map[int]int
	// DocumentCount is the number of texts fitted.
	DocumentCount int

	order      []string // tokens in first-seen order (Keras's OrderedDict)
	indexOrder []string // WordIndex's keys in Python dict order
}

// NewTokenizer returns a Tokenizer with Keras's defaults: all words kept,
// DefaultFilters, lower-casing, split on " ", word level, no OOV token.
func NewTokenizer() *Tokenizer {
	return &Tokenizer{Filters: DefaultFilters, Lower: true, Split: " "}
}

func (t *Tokenizer) tokens(text string) []string {
	if !t.CharLevel {
		if t.Analyzer != nil {
			return t.Analyzer(text)
		}
		return TextToWordSequence(text, t.Filters, t.Lower, t.Split)
	}
	if t.Lower {
		text = pyLower(text)
	}
	out := make([]string, 0, utf8.RuneCountInString(text))
	for len(text) > 0 {
		_, w := utf8.DecodeRuneInString(text) // an invalid byte is a token of its own
		out = append(out, text[:w])
		text = text[w:]
	}
	return out
}

// FitOnTexts updates the counts with texts and rebuilds WordIndex: tokens
// by count descending, ties in first-seen order, ids from 1 (after the OOV
// token, which takes 1). It may be called repeatedly; counts accumulate.
func (t *Tokenizer) FitOnTexts(texts []string) {
	if t.WordCounts == nil {
		t.WordCounts = map[string]int{}
		t.WordDocs = map[string]int{}
	}
	for _, text := range texts {
		t.DocumentCount++
		seq := t.tokens(text)
		for _, w := range seq {
			if _, ok := t.WordCounts[w]; !ok {
				t.order = append(t.order, w)
			}
			t.WordCounts[w]++
		}
		seen := make(map[string]bool, len(seq))
		for _, w := range seq {
			if !seen[w] {
				seen[w] = true
				t.WordDocs[w]++
			}
		}
	}
	sorted := append([]string(nil), t.order...)
	sort.SliceStable(sorted, func(i, j int) bool { return t.WordCounts[sorted[i]] > t.WordCounts[sorted[j]] })
	var voc []string
	if t.OOVToken != "" {
		voc = append(voc, t.OOVToken)
	}
	voc = append(voc, sorted...)
	// dict(zip(voc, range(1, ...))): a later duplicate (the OOV token also
	// seen as a word) overwrites the earlier id, as in Keras.
	t.WordIndex = make(map[string]int, len(voc))
	t.indexOrder = t.indexOrder[:0]
	for i, w := range voc {
		if _, dup := t.WordIndex[w]; !dup {
			t.indexOrder = append(t.indexOrder, w)
		}
		t.WordIndex[w] = i + 1
	}
	t.IndexWord = make(map[int]string, len(t.WordIndex))
	for w, i := range t.WordIndex {
		t.IndexWord[i] = w
	}
	if t.IndexDocs == nil {
		t.IndexDocs = map[int]int{}
	}
	for w, c := range t.WordDocs {
		t.IndexDocs[t.WordIndex[w]] = c
	}
}

// Vocabulary returns the tokens in id order (index 0 of the result is id 1).
// Ids left unused (see FitOnTexts on a repeated OOV token) give "".
func (t *Tokenizer) Vocabulary() []string {
	maxID := 0
	for i := range t.IndexWord {
		maxID = max(maxID, i)
	}
	out := make([]string, maxID)
	for i, w := range t.IndexWord {
		out[i-1] = w
	}
	return out
}

func (t *Tokenizer) oovIndex() (int, bool) {
	if t.OOVToken == "" {
		return 0, false
	}
	i, ok := t.WordIndex[t.OOVToken]
	return i, ok
}

// TextsToSequences turns each text into word ids. Unknown words are
// dropped, or become the OOV id; with NumWords > 0, ids >= NumWords are
// treated the same way. Call FitOnTexts first.
func (t *Tokenizer) TextsToSequences(texts []string) [][]int {
	oov, hasOOV := t.oovIndex()
	out := make([][]int, len(texts))
	for k, text := range texts {
		seq := t.tokens(text)
		vect := make([]int, 0, len(seq))
		for _, w := range seq {
			i, ok := t.WordIndex[w]
			switch {
			case ok && t.NumWords > 0 && i >= t.NumWords:
				if hasOOV {
					vect = append(vect, oov)
				}
			case ok:
				vect = append(vect, i)
			case t.OOVToken != "":
				// Keras appends word_index.get(oov_token) here, which is
				// only None before fitting.
				if hasOOV {
					vect = append(vect, oov)
				}
			}
		}
		out[k] = vect
	}
	return out
}

// SequencesToTexts turns id sequences back into space-joined texts, with
// the same NumWords and OOV rules as TextsToSequences.
func (t *Tokenizer) SequencesToTexts(seqs [][]int) []string {
	oov, hasOOV := t.oovIndex()
	oovWord, hasOOVWord := t.IndexWord[oov]
	out := make([]string, len(seqs))
	for k, seq := range seqs {
		var vect []string
		for _, num := range seq {
			w, ok := t.IndexWord[num]
			if (ok && t.NumWords > 0 && num >= t.NumWords) || (!ok && t.OOVToken != "") {
				if hasOOV && hasOOVWord {
					vect = append(vect, oovWord)
				}
				continue
			}
			if ok {
				vect = append(vect, w)
			}
		}
		out[k] = strings.Join(vect, " ")
	}
	return out
}

// pyLower is Python's str.lower: Unicode full lower-case mapping, which
// differs from strings.ToLower for U+0130 (İ → "i̇") and for capital sigma
// at the end of a word (Σ → ς).
func pyLower(s string) string {
	simple := true
	for _, r := range s {
		if r >= utf8.RuneSelf {
			simple = false
			break
		}
	}
	if simple {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3a3:
			if finalSigma(rs, i) {
				b.WriteRune(0x3c2)
			} else {
				b.WriteRune(0x3c3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is Unicode's Final_Sigma condition as CPython applies it: a
// cased letter before (skipping case-ignorable ones) and none after.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && caseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !cased(rs[j])
}

func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xb7, 0x2018, 0x2019, 0x2024, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
