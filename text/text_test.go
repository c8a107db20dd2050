package text

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type kerasFixtures struct {
	WordSeq []struct {
		Text, Filters, Split string
		Lower                bool
		Words                []string
	} `json:"text_to_word_sequence"`
	Tokenizer []struct {
		Name   string
		Config struct {
			NumWords  int     `json:"num_words"`
			OOVToken  *string `json:"oov_token"`
			Lower     *bool   `json:"lower"`
			Filters   *string `json:"filters"`
			Split     *string `json:"split"`
			CharLevel bool    `json:"char_level"`
		}
		Fits          [][]string
		WordCounts    [][2]any       `json:"word_counts"`
		WordDocs      map[string]int `json:"word_docs"`
		WordIndex     map[string]int `json:"word_index"`
		DocumentCount int            `json:"document_count"`
		Texts         []string
		Sequences     [][]int
		BackInput     [][]int  `json:"back_input"`
		BackTexts     []string `json:"back_texts"`
		Matrix        map[string][][]float64
		MatrixTexts   []string `json:"matrix_texts"`
		JSON          string
		JSONLoaded    [][]int `json:"json_loaded_sequences"`
	}
	Hashing []struct {
		Text string
		N    int
		IDs  []int
	} `json:"hashing_trick"`
	Pad []struct {
		MaxLen     *int `json:"maxlen"`
		Padding    string
		Truncating string
		Value      int
		Sequences  [][]int
		Padded     [][]int
	} `json:"pad_sequences"`
}

func loadFixtures(t *testing.T) *kerasFixtures {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keras_fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f kerasFixtures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.WordSeq) == 0 || len(f.Tokenizer) == 0 || len(f.Pad) == 0 {
		t.Fatal("fixture file has empty sections")
	}
	return &f
}

func TestTextToWordSequenceKeras(t *testing.T) {
	for i, c := range loadFixtures(t).WordSeq {
		got := TextToWordSequence(c.Text, c.Filters, c.Lower, c.Split)
		if len(got) == 0 && len(c.Words) == 0 {
			continue
		}
		if !slices.Equal(got, c.Words) {
			t.Errorf("case %d: TextToWordSequence(%q, %q, %v, %q)\n got %q\nwant %q", i, c.Text, c.Filters, c.Lower, c.Split, got, c.Words)
		}
	}
}

func TestTokenizerKeras(t *testing.T) {
	for _, c := range loadFixtures(t).Tokenizer {
		t.Run(c.Name, func(t *testing.T) {
			defer func() {
				if t.Failed() {
					return
				}
				// Keras's to_json output loads and tokenizes as Keras's
				// tokenizer_from_json does.
				loaded, err := TokenizerFromJSON([]byte(c.JSON))
				if err != nil {
					t.Fatal(err)
				}
				got := loaded.TextsToSequences(c.Texts)
				for i := range c.Texts {
					if !slices.Equal(got[i], c.JSONLoaded[i]) {
						t.Errorf("loaded from Keras JSON: TextsToSequences(%q) = %v, want %v", c.Texts[i], got[i], c.JSONLoaded[i])
					}
				}
			}()
			tok := NewTokenizer()
			tok.NumWords = c.Config.NumWords
			tok.CharLevel = c.Config.CharLevel
			if c.Config.OOVToken != nil {
				tok.OOVToken = *c.Config.OOVToken
			}
			if c.Config.Lower != nil {
				tok.Lower = *c.Config.Lower
			}
			if c.Config.Filters != nil {
				tok.Filters = *c.Config.Filters
			}
			if c.Config.Split != nil {
				tok.Split = *c.Config.Split
			}
			for _, texts := range c.Fits {
				tok.FitOnTexts(texts)
			}
			if !reflect.DeepEqual(tok.WordIndex, c.WordIndex) {
				t.Errorf("WordIndex\n got %v\nwant %v", tok.WordIndex, c.WordIndex)
			}
			if len(tok.WordCounts) != len(c.WordCounts) || len(tok.order) != len(c.WordCounts) {
				t.Errorf("%d word counts, want %d", len(tok.WordCounts), len(c.WordCounts))
			}
			for i, wc := range c.WordCounts {
				w, n := wc[0].(string), int(wc[1].(float64))
				if tok.WordCounts[w] != n || i >= len(tok.order) || tok.order[i] != w {
					t.Errorf("word count %d: %q=%d, want %q=%d in that order", i, tok.order[min(i, len(tok.order)-1)], tok.WordCounts[w], w, n)
				}
			}
			if !reflect.DeepEqual(tok.WordDocs, c.WordDocs) {
				t.Errorf("WordDocs\n got %v\nwant %v", tok.WordDocs, c.WordDocs)
			}
			if tok.DocumentCount != c.DocumentCount {
				t.Errorf("DocumentCount %d, want %d", tok.DocumentCount, c.DocumentCount)
			}
			seqs := tok.TextsToSequences(c.Texts)
			for i := range c.Texts {
				if !slices.Equal(seqs[i], c.Sequences[i]) {
					t.Errorf("TextsToSequences(%q) = %v, want %v", c.Texts[i], seqs[i], c.Sequences[i])
				}
			}
			back := tok.SequencesToTexts(c.BackInput)
			if !slices.Equal(back, c.BackTexts) {
				t.Errorf("SequencesToTexts(%v)\n got %q\nwant %q", c.BackInput, back, c.BackTexts)
			}
			checkMatrix(t, tok, c.MatrixTexts, c.Matrix)
			checkJSON(t, tok, c.JSON)
		})
	}
}

func TestPadSequencesKeras(t *testing.T) {
	for _, c := range loadFixtures(t).Pad {
		opts := PadOptions{Padding: c.Padding, Truncating: c.Truncating, Value: c.Value}
		if c.MaxLen != nil {
			opts.MaxLen = *c.MaxLen
		}
		got := PadSequences(c.Sequences, opts)
		if !reflect.DeepEqual(got, c.Padded) {
			t.Errorf("PadSequences(%v, %+v)\n got %v\nwant %v", c.Sequences, opts, got, c.Padded)
		}
		flat, n := PadSequencesInt32(c.Sequences, opts)
		if n != len(c.Padded[0]) || len(flat) != n*len(c.Padded) {
			t.Fatalf("PadSequencesInt32 gave %d values of rows %d", len(flat), n)
		}
		for i, row := range c.Padded {
			for j, v := range row {
				if flat[i*n+j] != int32(v) {
					t.Fatalf("PadSequencesInt32 [%d,%d] = %d, want %d", i, j, flat[i*n+j], v)
				}
			}
		}
	}
}

func TestPadSequencesDefaultsAndErrors(t *testing.T) {
	// Keras's defaults: pad and truncate at the front, with 0.
	got := PadSequences([][]int{{1, 2, 3}, {4}}, PadOptions{MaxLen: 2})
	if want := [][]int{{2, 3}, {0, 4}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := PadSequences(nil, PadOptions{}); len(got) != 0 {
		t.Errorf("nil input gave %v", got)
	}
	if got := PadSequences([][]int{{}, {}}, PadOptions{}); !reflect.DeepEqual(got, [][]int{{}, {}}) {
		t.Errorf("empty sequences gave %v", got)
	}
	for _, o := range []PadOptions{{Padding: "middle"}, {Truncating: "both"}, {MaxLen: -1}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "text.PadSequences") {
					t.Errorf("%+v: panic %v", o, r)
				}
			}()
			PadSequences([][]int{{1}}, o)
		}()
	}
}

func TestPyLower(t *testing.T) {
	cases := map[string]string{
		"ABC":     "abc",
		"ΟΔΟΣ":    "οδος",
		"ΟΔΟΣ.":   "οδος.",
		"ΣΑΣ ΣΑΣ": "σας σας",
		"Σ":       "σ",
		"AΣB":     "aσb",
		"İ":       "i\u0307",
		"ÉCOLE":   "école",
	}
	for in, want := range cases {
		if got := pyLower(in); got != want {
			t.Errorf("pyLower(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVocabulary(t *testing.T) {
	tok := NewTokenizer()
	tok.OOVToken = "<unk>"
	tok.FitOnTexts([]string{"b a b", "c b a"})
	if got, want := tok.Vocabulary(), []string{"<unk>", "b", "a", "c"}; !slices.Equal(got, want) {
		t.Errorf("Vocabulary() = %q, want %q", got, want)
	}
}

func checkMatrix(t *testing.T, tok *Tokenizer, texts []string, want map[string][][]float64) {
	t.Helper()
	if len(want) != 4 {
		t.Fatalf("fixture has %d matrix modes", len(want))
	}
	for mode, w := range want {
		got, err := tok.TextsToMatrix(texts, mode)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(w) {
			t.Fatalf("%s: %d rows, want %d", mode, len(got), len(w))
		}
		for i := range w {
			if len(got[i]) != len(w[i]) {
				t.Fatalf("%s: row %d has %d columns, want %d", mode, i, len(got[i]), len(w[i]))
			}
			for j := range w[i] {
				// tfidf goes through math.Log (NumPy: libm log): allow an ulp.
				if d := math.Abs(got[i][j] - w[i][j]); d > 1e-15*math.Abs(w[i][j]) {
					t.Errorf("%s: [%d][%d] = %.17g, want %.17g", mode, i, j, got[i][j], w[i][j])
				}
			}
		}
	}
}

// checkJSON compares ToJSON with Keras's to_json: the options, the ordered
// maps byte for byte, and word_docs/index_docs (whose order in Keras comes
// from Python's set iteration) as maps.
func checkJSON(t *testing.T, tok *Tokenizer, keras string) {
	t.Helper()
	type cfg struct {
		ClassName string                     `json:"class_name"`
		Config    map[string]json.RawMessage `json:"config"`
	}
	var got, want cfg
	if err := json.Unmarshal(tok.ToJSON(), &got); err != nil {
		t.Fatalf("ToJSON is not JSON: %v\n%s", err, tok.ToJSON())
	}
	if err := json.Unmarshal([]byte(keras), &want); err != nil {
		t.Fatal(err)
	}
	if got.ClassName != "Tokenizer" || len(got.Config) != len(want.Config) {
		t.Fatalf("ToJSON has class %q and %d config keys, want Tokenizer and %d", got.ClassName, len(got.Config), len(want.Config))
	}
	for k, w := range want.Config {
		g := got.Config[k]
		switch k {
		case "word_docs", "index_docs":
			var gs, ws string
			json.Unmarshal(g, &gs)
			json.Unmarshal(w, &ws)
			var gm, wm map[string]int
			if err := json.Unmarshal([]byte(gs), &gm); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			json.Unmarshal([]byte(ws), &wm)
			if !reflect.DeepEqual(gm, wm) {
				t.Errorf("ToJSON %s = %v, want %v", k, gm, wm)
			}
		default:
			if string(g) != string(w) {
				t.Errorf("ToJSON %s\n got %s\nwant %s", k, g, w)
			}
		}
	}
	// Keras's to_json text itself, with the set-ordered parts replaced.
	back, err := TokenizerFromJSON(tok.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	if string(back.ToJSON()) != string(tok.ToJSON()) {
		t.Errorf("ToJSON does not round-trip:\n%s\n%s", back.ToJSON(), tok.ToJSON())
	}
}

func TestMatrixErrors(t *testing.T) {
	tok := NewTokenizer()
	if _, err := tok.SequencesToMatrix([][]int{{1}}, "binary"); err == nil || !strings.Contains(err.Error(), "NumWords") {
		t.Errorf("unfitted: err = %v", err)
	}
	tok.NumWords = 5
	if _, err := tok.SequencesToMatrix([][]int{{1}}, "tfidf"); err == nil || !strings.Contains(err.Error(), "tfidf") {
		t.Errorf("tfidf unfitted: err = %v", err)
	}
	if _, err := tok.SequencesToMatrix([][]int{{1}}, "onehot"); err == nil || !strings.Contains(err.Error(), `"onehot"`) {
		t.Errorf("bad mode: err = %v", err)
	}
	m, err := tok.SequencesToMatrix([][]int{{1, 1, 4, 5, -1}, {}}, "count")
	if err != nil || !reflect.DeepEqual(m, [][]float64{{0, 2, 0, 0, 1}, {0, 0, 0, 0, 0}}) {
		t.Errorf("count matrix %v, %v", m, err)
	}
}

func TestTokenizerFromJSONErrors(t *testing.T) {
	wrap := func(cfg string) string { return `{"class_name": "Tokenizer", "config": {` + cfg + `}}` }
	cases := map[string]string{
		"not json":    `{`,
		"class":       `{"class_name": "Vectorizer", "config": {}}`,
		"no config":   `{"class_name": "Tokenizer"}`,
		"num_words":   wrap(`"num_words": -3`),
		"counts":      wrap(`"word_counts": "[1, 2]"`),
		"count value": wrap(`"word_counts": "{\"a\": \"x\"}"`),
		"index value": wrap(`"word_index": "{\"a\": 0}"`),
		"index_word":  wrap(`"index_word": "{\"one\": \"a\"}"`),
		"index_docs":  wrap(`"index_docs": "{\"1\": [1]}"`),
		"trailing":    wrap(`"word_index": "{\"a\": 1} x"`),
		"type":        wrap(`"lower": "yes"`),
	}
	wantField := map[string]string{"num_words": "num_words", "counts": "word_counts", "count value": "word_counts", "index value": "word_index",
		"index_word": "index_word", "index_docs": "index_docs", "trailing": "word_index", "huge id": "word_index", "class": "class_name", "no config": "config"}
	for name, in := range cases {
		_, err := TokenizerFromJSON([]byte(in))
		if err == nil {
			t.Errorf("%s: accepted %s", name, in)
			continue
		}
		if f := wantField[name]; f != "" && !strings.Contains(err.Error(), f) {
			t.Errorf("%s: error %q does not name %s", name, err, f)
		}
	}
}

func TestPyString(t *testing.T) {
	cases := map[string]string{
		"abc":                `"abc"`,
		"a\"b\\c/":           `"a\"b\\c/"`,
		"\t\n\r\b\f\x01\x7f": `"\t\n\r\b\f\u0001\u007f"`,
		"é€":                 `"\u00e9\u20ac"`,
		"😀":                  `"\ud83d\ude00"`,
		"<&>":                `"<&>"`,
	}
	for in, want := range cases {
		var b bytes.Buffer
		pyString(&b, in)
		if b.String() != want {
			t.Errorf("pyString(%q) = %s, want %s", in, b.String(), want)
		}
	}
}

func FuzzTokenizerFromJSON(f *testing.F) {
	fx, err := os.ReadFile(filepath.Join("testdata", "keras_fixtures.json"))
	if err != nil {
		f.Fatal(err)
	}
	var all kerasFixtures
	if err := json.Unmarshal(fx, &all); err != nil {
		f.Fatal(err)
	}
	for _, c := range all.Tokenizer[:4] {
		f.Add([]byte(c.JSON))
	}
	f.Add([]byte(`{"config": {"word_index": "{\"a\": 1}", "index_word": "{\"1\": \"a\"}"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := TokenizerFromJSON(data)
		if err != nil {
			return
		}
		tok.TextsToSequences([]string{"the cat sat", "a b c"})
		tok.SequencesToTexts([][]int{{0, 1, 2, 3, -1}})
		tok.Vocabulary()
		if _, err := TokenizerFromJSON(tok.ToJSON()); err != nil {
			t.Fatalf("ToJSON of a loaded tokenizer does not load: %v", err)
		}
	})
}

func TestAnalyzer(t *testing.T) {
	tok := NewTokenizer()
	tok.Analyzer = strings.Fields // raw text: no lower-casing, no filters
	tok.FitOnTexts([]string{"A a b.", "b. c"})
	if want := map[string]int{"b.": 1, "A": 2, "a": 3, "c": 4}; !reflect.DeepEqual(tok.WordIndex, want) {
		t.Errorf("WordIndex = %v, want %v", tok.WordIndex, want)
	}
	if got := tok.TextsToSequences([]string{"c\tb. A"}); !reflect.DeepEqual(got, [][]int{{4, 1, 2}}) {
		t.Errorf("sequences %v", got)
	}
}

// FuzzTokenizer fits and applies tokenizers on arbitrary texts: no panics,
// every id in range, and fitted words map back to themselves.
func FuzzTokenizer(f *testing.F) {
	f.Add("The cat sat.", "ΟΔΟΣ İstanbul", false, 0)
	f.Add("a\xffb c", "\x80", true, 3)
	f.Add("", "x y z", false, 2)
	f.Fuzz(func(t *testing.T, a, b string, char bool, numWords int) {
		tok := NewTokenizer()
		tok.CharLevel = char
		tok.OOVToken = "<OOV>"
		tok.NumWords = numWords & 63
		tok.FitOnTexts([]string{a, b})
		n := len(tok.WordIndex)
		for w, i := range tok.WordIndex {
			if i < 1 || i > n+1 || (tok.IndexWord[i] != w && w != tok.OOVToken) {
				t.Fatalf("word %q has id %d (index word %q) in a vocabulary of %d", w, i, tok.IndexWord[i], n)
			}
		}
		for _, s := range tok.TextsToSequences([]string{a, b, a + " " + b}) {
			for _, id := range s {
				if id < 1 || id > n+1 || (tok.NumWords > 0 && id >= tok.NumWords && id != tok.WordIndex[tok.OOVToken]) {
					t.Fatalf("id %d out of range (vocabulary %d, NumWords %d)", id, n, tok.NumWords)
				}
			}
		}
		tok.SequencesToTexts([][]int{{-1, 0, 1, 2, n, n + 1}})
		PadSequences(tok.TextsToSequences([]string{a, b}), PadOptions{MaxLen: 3, Padding: "post"})
	})
}

func TestHashingTrickKeras(t *testing.T) {
	cases := loadFixtures(t).Hashing
	if len(cases) == 0 {
		t.Fatal("no hashing_trick cases")
	}
	for _, c := range cases {
		got := HashingTrick(c.Text, c.N, DefaultFilters, true, " ")
		if len(got) == 0 && len(c.IDs) == 0 {
			continue
		}
		if !slices.Equal(got, c.IDs) {
			t.Errorf("HashingTrick(%q, %d) = %v, want %v", c.Text, c.N, got, c.IDs)
		}
	}
}

func TestFitOnSequences(t *testing.T) {
	tok := NewTokenizer()
	tok.NumWords = 4
	tok.FitOnSequences([][]int{{1, 1, 2}, {2, 3}, {}})
	if tok.DocumentCount != 3 || !reflect.DeepEqual(tok.IndexDocs, map[int]int{1: 1, 2: 2, 3: 1}) {
		t.Fatalf("DocumentCount %d, IndexDocs %v", tok.DocumentCount, tok.IndexDocs)
	}
	m, err := tok.SequencesToMatrix([][]int{{1, 1, 3}}, "tfidf")
	if err != nil {
		t.Fatal(err)
	}
	// id 1: (1+ln 2)·ln(1+3/2); id 3: (1+ln 1)·ln(1+3/2).
	want := []float64{0, (1 + math.Log(2)) * math.Log(2.5), 0, math.Log(2.5)}
	for j := range want {
		if math.Abs(m[0][j]-want[j]) > 1e-15 {
			t.Errorf("tfidf[%d] = %g, want %g", j, m[0][j], want[j])
		}
	}
}
