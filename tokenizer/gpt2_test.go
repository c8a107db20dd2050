package tokenizer

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

// The fixtures come from OpenAI's encoder.py (testdata/gen_gpt2_fixtures.py).

func TestPretokenizeMatchesGPT2Regex(t *testing.T) {
	f := loadFixtures(t)
	for _, c := range f.Cases {
		got := Pretokenize(c.Text)
		want := c.Pieces
		if len(want) == 0 {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Pretokenize(%q)\n got %q\nwant %q", c.Name, c.Text, got, want)
		}
	}
}

func TestEncodeMatchesGPT2(t *testing.T) {
	tok := gpt2(t)
	f := loadFixtures(t)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			got := tok.Encode(c.Text)
			want := c.IDs
			if want == nil {
				want = []int{}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Encode(%q)\n got %v\nwant %v", c.Text, got, want)
			}
			if back := tok.Decode(got); back != c.Text {
				t.Fatalf("Decode(Encode(%q)) = %q", c.Text, back)
			}
			// Second time through the word cache.
			if again := tok.Encode(c.Text); !slices.Equal(again, want) {
				t.Fatalf("cached Encode(%q) = %v, want %v", c.Text, again, want)
			}
		})
	}
}

func TestGPT2KnownIDs(t *testing.T) {
	tok := gpt2(t)
	if tok.VocabSize() != 50257 {
		t.Errorf("VocabSize = %d, want 50257", tok.VocabSize())
	}
	if tok.EOT() != 50256 {
		t.Errorf("EOT = %d, want 50256", tok.EOT())
	}
	if got := tok.Encode("hello world"); !slices.Equal(got, []int{31373, 995}) {
		t.Errorf("Encode(hello world) = %v, want [31373 995]", got)
	}
	if n := len(tok.Merges()); n != 50000 {
		t.Errorf("%d merges, want 50000", n)
	}
}

func TestEncodeWithSpecial(t *testing.T) {
	tok := gpt2(t)
	text := "Hello<|endoftext|>world <|endoftext|>"
	got := tok.EncodeWithSpecial(text)
	want := slices.Concat(tok.Encode("Hello"), []int{50256}, tok.Encode("world "), []int{50256})
	if !slices.Equal(got, want) {
		t.Fatalf("EncodeWithSpecial = %v, want %v", got, want)
	}
	if slices.Contains(tok.Encode(text), 50256) {
		t.Fatalf("plain Encode produced EOT for literal text")
	}
	if back := tok.Decode(got); back != text {
		t.Fatalf("Decode = %q, want %q", back, text)
	}
}

func TestDecodeReplaceMatchesPython(t *testing.T) {
	f := loadFixtures(t)
	tok := gpt2(t)
	for _, c := range f.DecodeReplace {
		b, err := hex.DecodeString(c.Hex)
		if err != nil {
			t.Fatal(err)
		}
		if got := ToValidUTF8(string(b)); got != c.Text {
			t.Errorf("ToValidUTF8(%x) = %q, want %q (Python errors=replace)", b, got, c.Text)
		}
		ids := tok.Encode(string(b))
		if got := tok.Decode(ids); got != string(b) {
			t.Errorf("Decode(Encode(%x)) = %x, want the bytes back", b, got)
		}
		if got := tok.DecodeReplace(ids); got != c.Text {
			t.Errorf("DecodeReplace(Encode(%x)) = %q, want %q", b, got, c.Text)
		}
	}
}

func TestDecodeSkipsUnknownIDs(t *testing.T) {
	tok := gpt2(t)
	ids := append(tok.Encode("ab"), 50300, -1)
	if got := tok.Decode(ids); got != "ab" {
		t.Fatalf("Decode with padding ids = %q, want %q", got, "ab")
	}
}

func TestShakespeareMegabyteRoundTrip(t *testing.T) {
	tok := gpt2(t)
	text := readShakespeare(t)
	ids := tok.Encode(text)
	if back := tok.Decode(ids); back != text {
		t.Fatal("Decode(Encode(tinyshakespeare)) differs from the text")
	}
	// GPT-2 needs ~338k tokens for the 1.1 MB text (nanoGPT's prepare.py:
	// train 301,966 + val 36,059 on a 90/10 split that cuts one word).
	if len(ids) < 337000 || len(ids) > 339000 {
		t.Fatalf("tinyshakespeare: %d tokens, want about 338,025", len(ids))
	}
	if strings.Count(text, "\n") == 0 {
		t.Fatal("no newlines in tinyshakespeare?")
	}
}
