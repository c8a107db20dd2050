package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var (
	smallOnce sync.Once
	smallTok  *BPE
)

// small is a BPE trained on a built-in corpus, so fuzzing needs no files.
func small(t testing.TB) *BPE {
	smallOnce.Do(func() {
		corpus := strings.Repeat("The quick brown fox's 123 jumps; über naïve 日本語 😀👍🏽 \t\n  ", 20)
		var err error
		smallTok, err = TrainBPE(corpus, 400)
		if err != nil {
			panic(err)
		}
	})
	return smallTok
}

func fuzzTokenizers(t *testing.T) []*BPE {
	toks := []*BPE{small(t)}
	dir, _ := os.Getwd()
	if _, err := os.Stat(filepath.Join(dir, "..", "..", "shared", "data", "gpt2-tokenizer")); err == nil {
		toks = append(toks, gpt2(t))
	}
	return toks
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "hello world", "I'M  don't\t\n\n x", "👨‍👩‍👧 e\u0301 中文", "\xe2\x82", "a\xffb\xc0", "  \u00a0\u3000 ", "'s'S'll 12½"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Join(Pretokenize(s), "") != s {
			t.Fatalf("pre-tokens of %q do not join back", s)
		}
		for _, tok := range fuzzTokenizers(t) {
			ids := tok.Encode(s)
			// Valid UTF-8 gives the text back; any bytes give the bytes back.
			if got := tok.Decode(ids); got != s {
				t.Fatalf("Decode(Encode(%q)) = %q", s, got)
			}
			if got := tok.Decode(tok.EncodeWithSpecial(s)); got != s {
				t.Fatalf("Decode(EncodeWithSpecial(%q)) = %q", s, got)
			}
			want := ToValidUTF8(s)
			if !utf8.ValidString(want) || (utf8.ValidString(s) && want != s) {
				t.Fatalf("ToValidUTF8(%q) = %q", s, want)
			}
			if got := tok.DecodeReplace(ids); got != want {
				t.Fatalf("DecodeReplace = %q, want %q", got, want)
			}
			d := NewStreamDecoder(tok)
			var out strings.Builder
			for _, id := range ids {
				piece := d.Add(id)
				if !utf8.ValidString(piece) {
					t.Fatalf("StreamDecoder.Add returned invalid UTF-8 %q", piece)
				}
				out.WriteString(piece)
			}
			out.WriteString(d.Flush())
			if out.String() != want {
				t.Fatalf("streamed %q, want %q", out.String(), want)
			}
			for _, w := range Pretokenize(s) {
				var syms []int32
				for i := 0; i < len(w); i++ {
					syms = append(syms, tok.byteID[w[i]])
				}
				a := tok.mergeSimple(slices.Clone(syms))
				b := tok.mergeHeap(syms)
				if !slices.Equal(a, b) {
					t.Fatalf("word %q: simple merge %v, heap merge %v", w, a, b)
				}
			}
		}
	})
}

func FuzzLoad(f *testing.F) {
	tok := small(f)
	dir := f.TempDir()
	if err := tok.Save(dir); err != nil {
		f.Fatal(err)
	}
	vocab, _ := os.ReadFile(filepath.Join(dir, "vocab.json"))
	merges, _ := os.ReadFile(filepath.Join(dir, "merges.txt"))
	f.Add(vocab, merges)
	f.Add(vocab, merges[:len(merges)/2])
	f.Add([]byte(`{"a":1}`), []byte("#version: 0.2\na b\n"))
	f.Add([]byte(`{"a":99999999999999999999}`), []byte(""))
	f.Add([]byte(`{"a":-1,"b":2e9}`), []byte("a b c\n"))
	f.Add([]byte("\x00{"), []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, vocab, merges []byte) {
		b, err := ParseBPE("vocab.json", vocab, "merges.txt", merges)
		if err != nil {
			if !strings.Contains(err.Error(), "vocab.json") && !strings.Contains(err.Error(), "merges.txt") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if b.VocabSize() > 2*len(vocab)+1024 {
			t.Fatalf("VocabSize %d from a %d-byte vocabulary", b.VocabSize(), len(vocab))
		}
		s := "fuzz: héllo 😀 \xff"
		if got := b.Decode(b.Encode(s)); got != s {
			t.Fatalf("loaded tokenizer does not round-trip: %q", got)
		}
		out := t.TempDir()
		if err := b.Save(out); err != nil {
			t.Fatal(err)
		}
		c, err := LoadBPE(out)
		if err != nil {
			t.Fatalf("reloading a saved tokenizer: %v", err)
		}
		if !slices.Equal(c.Encode(s), b.Encode(s)) {
			t.Fatal("Save then LoadBPE encodes differently")
		}
	})
}

func FuzzParseTokenizerJSON(f *testing.F) {
	tok := small(f)
	vocab, _ := json.Marshal(tok.Vocab())
	var merges []string
	for _, m := range tok.Merges() {
		merges = append(merges, m[0]+" "+m[1])
	}
	ms, _ := json.Marshal(merges)
	f.Add([]byte(`{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":` + string(vocab) + `,"merges":` + string(ms) + `}}`))
	f.Add([]byte(`{"added_tokens":[{"id":3,"content":"x"}],"pre_tokenizer":{"type":"ByteLevel"},"model":{"vocab":{"a":0},"merges":[["a","b"],"a b"]}}`))
	f.Add([]byte(`{"model":{"type":"WordPiece"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseTokenizerJSON("tokenizer.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "tokenizer.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if b.VocabSize() > 2*len(data)+1024 {
			t.Fatalf("VocabSize %d from %d bytes", b.VocabSize(), len(data))
		}
		s := "fuzz: héllo 😀 \xff"
		if got := b.Decode(b.Encode(s)); got != s {
			t.Fatalf("loaded tokenizer does not round-trip: %q", got)
		}
	})
}

func FuzzParseChar(f *testing.F) {
	f.Add([]byte(`{"type":"char","chars":["\n","a","é"]}`))
	f.Add([]byte(`{"type":"char","chars":["ab"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseChar("vocab_char.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "vocab_char.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		text := string(c.Chars())
		if got := c.Decode(c.Encode(text)); got != text {
			t.Fatalf("round trip %q -> %q", text, got)
		}
	})
}
