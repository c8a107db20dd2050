package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCharShakespeareVocabulary(t *testing.T) {
	text := readShakespeare(t)
	c := NewChar(text)
	// nanoGPT's data/shakespeare_char/prepare.py prints these 65 characters.
	want := "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	if got := string(c.Chars()); got != want {
		t.Fatalf("vocabulary = %q, want %q", got, want)
	}
	if c.VocabSize() != 65 {
		t.Fatalf("VocabSize = %d, want 65", c.VocabSize())
	}
	// prepare.py: encode("hii there") with stoi.
	if got := c.Encode("hii there"); !slices.Equal(got, []int{46, 47, 47, 1, 58, 46, 43, 56, 43}) {
		t.Fatalf("Encode(hii there) = %v", got)
	}
	if back := c.Decode(c.Encode(text)); back != text {
		t.Fatal("tinyshakespeare does not round-trip")
	}
}

func TestCharUnknownRunes(t *testing.T) {
	c := NewChar("héllo wörld 😀")
	if got := c.Decode(c.Encode("hé😀 wörld")); got != "hé😀 wörld" {
		t.Fatalf("round trip = %q", got)
	}
	if got := c.Decode(c.Encode("hex, 中")); got != "h " {
		t.Fatalf("Encode dropping unknown runes then Decode = %q, want %q", got, "h ")
	}
	_, err := c.EncodeStrict("hé中")
	if err == nil || !strings.Contains(err.Error(), `'中' (U+4E2D) at byte 3`) {
		t.Fatalf("EncodeStrict err = %v, want it to name '中' at byte 3", err)
	}
	ids, err := c.EncodeStrict("wörld")
	if err != nil || !slices.Equal(ids, c.Encode("wörld")) {
		t.Fatalf("EncodeStrict = %v, %v", ids, err)
	}
	if !c.Has('ö') || !c.Has(' ') || c.Has('中') || c.Has('x') {
		t.Fatal("Has disagrees with the vocabulary")
	}
	if got := c.Decode([]int{-1, 0, 999}); got != c.Decode([]int{0}) {
		t.Fatalf("Decode with out-of-range ids = %q", got)
	}
	// Invalid UTF-8 reads as U+FFFD, as Go's range does.
	d := NewChar("a\xffb")
	if string(d.Chars()) != "ab\uFFFD" {
		t.Fatalf("vocabulary of invalid UTF-8 = %q", string(d.Chars()))
	}
}

func TestCharDeterministicAndSaveLoad(t *testing.T) {
	corpus := "zyx <>&\"\\ \t\n 世界 🍕 e\u0301"
	a, b := NewChar(corpus), NewChar(corpus)
	if !slices.Equal(a.Chars(), b.Chars()) {
		t.Fatal("same corpus, different vocabularies")
	}
	if !slices.IsSorted(a.Chars()) {
		t.Fatalf("vocabulary not sorted: %q", string(a.Chars()))
	}
	dir := t.TempDir()
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := LoadChar(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Chars(), a.Chars()) {
		t.Fatalf("loaded %q, saved %q", string(back.Chars()), string(a.Chars()))
	}
	data, _ := os.ReadFile(filepath.Join(dir, CharFile))
	if !strings.Contains(string(data), `"type":"char"`) || !strings.Contains(string(data), `"<"`) {
		t.Fatalf("vocab_char.json = %s", data)
	}
}

func TestParseCharErrors(t *testing.T) {
	cases := map[string]string{
		`{"type":"char","chars":["a","bc"]}`:              `chars[1] is "bc"`,
		`{"type":"char","chars":["a",""]}`:                `chars[1] is ""`,
		`{"type":"char","chars":["a","b","a"]}`:           `chars[2] repeats "a" of chars[0]`,
		`{"type":"char","chars":[]}`:                      `"chars" is empty`,
		`{"type":"bpe","chars":["a"]}`:                    `"type" is "bpe"`,
		"{\n\"type\":\"char\",\n\"chars\":[\"a\" \"b\"]}": "vocab_char.json:3:14",
		`{"type":"char","chars":[1]}`:                     "vocab_char.json:",
	}
	for in, want := range cases {
		_, err := ParseChar("vocab_char.json", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseChar(%s) err = %v, want it to mention %q", in, err, want)
		}
	}
}
