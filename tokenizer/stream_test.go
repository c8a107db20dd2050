package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStreamDecoderHoldsBackPartialCharacters(t *testing.T) {
	tok := gpt2(t)
	f := loadFixtures(t)
	split := 0
	for _, c := range f.Cases {
		d := NewStreamDecoder(tok)
		var out strings.Builder
		for _, id := range tok.Encode(c.Text) {
			piece := d.Add(id)
			if !utf8.ValidString(piece) {
				t.Fatalf("%s: Add returned invalid UTF-8 %q", c.Name, piece)
			}
			if !utf8.Valid(tok.TokenBytes(id)) {
				split++
			}
			out.WriteString(piece)
		}
		out.WriteString(d.Flush())
		if out.String() != c.Text {
			t.Fatalf("%s: streamed %q, want %q", c.Name, out.String(), c.Text)
		}
	}
	if split < 20 {
		t.Fatalf("only %d tokens split a character; the cases should exercise hold-back", split)
	}
}

func TestStreamDecoderInvalidBytes(t *testing.T) {
	tok := gpt2(t)
	byteTok := func(s string) []int {
		var ids []int
		for i := 0; i < len(s); i++ {
			ids = append(ids, int(tok.byteID[s[i]]))
		}
		return ids
	}
	cases := []struct {
		in   string
		adds []string // output of each Add
		tail string   // output of Flush
	}{
		{"\xe2\x82\xac", []string{"", "", "€"}, ""},
		{"\xe2\x82a", []string{"", "", "\uFFFDa"}, ""},
		{"\xffa", []string{"\uFFFD", "a"}, ""},
		{"a\xf0\x9f\x98", []string{"a", "", "", ""}, "\uFFFD"},
		{"\xc0\xaf", []string{"\uFFFD", "\uFFFD"}, ""},
		{"\xed\xa0\x80", []string{"", "\uFFFD\uFFFD", "\uFFFD"}, ""}, // ED could start U+D000..U+D7FF
	}
	for _, c := range cases {
		d := NewStreamDecoder(tok)
		for i, id := range byteTok(c.in) {
			if got := d.Add(id); got != c.adds[i] {
				t.Errorf("%q: Add #%d = %q, want %q", c.in, i, got, c.adds[i])
			}
		}
		if got := d.Flush(); got != c.tail {
			t.Errorf("%q: Flush = %q, want %q", c.in, got, c.tail)
		}
		if got := d.Flush(); got != "" {
			t.Errorf("%q: second Flush = %q", c.in, got)
		}
	}
}

func TestStreamDecoderChar(t *testing.T) {
	c := NewChar("añ😀")
	d := NewStreamDecoder(c)
	var out string
	for _, id := range c.Encode("😀ña") {
		out += d.Add(id)
	}
	if out += d.Flush(); out != "😀ña" {
		t.Fatalf("streamed %q", out)
	}
}
