package text

import (
	"encoding/json"
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
	}
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
