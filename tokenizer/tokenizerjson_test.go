package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeTokenizerJSON writes GPT-2's tokenizer (OpenAI's files) as Hugging
// Face's tokenizer.json lays it out (the tokenizers library's format, as in
// the gpt2 repository's tokenizer.json), with edit applied to the decoded
// object first. pairs selects the newer ["a", "b"] form of merges.
func writeTokenizerJSON(t *testing.T, dir string, pairs bool, edit func(map[string]any)) string {
	t.Helper()
	b := gpt2(t)
	var merges []any
	for _, m := range b.Merges() {
		if pairs {
			merges = append(merges, []string{m[0], m[1]})
		} else {
			merges = append(merges, m[0]+" "+m[1])
		}
	}
	byteLevel := map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
	obj := map[string]any{
		"version":    "1.0",
		"truncation": nil,
		"padding":    nil,
		"added_tokens": []any{map[string]any{"id": b.EOT(), "content": EndOfText, "single_word": false,
			"lstrip": false, "rstrip": false, "normalized": true, "special": true}},
		"normalizer":     nil,
		"pre_tokenizer":  byteLevel,
		"post_processor": byteLevel,
		"decoder":        byteLevel,
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": "",
			"end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "vocab": b.Vocab(), "merges": merges},
	}
	if edit != nil {
		edit(obj)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, HFTokenizerFile)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTokenizerJSON: GPT-2's tokenizer as tokenizer.json encodes every
// fixture exactly as OpenAI's files do (ids from the reference encoder),
// with either form of merges, and Load finds it in a folder alone.
func TestTokenizerJSON(t *testing.T) {
	fx := loadFixtures(t)
	for _, pairs := range []bool{false, true} {
		dir := t.TempDir()
		writeTokenizerJSON(t, dir, pairs, nil)
		tok, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, ok := tok.(*BPE)
		if !ok || b.VocabSize() != 50257 || b.EOT() != 50256 {
			t.Fatalf("pairs %v: loaded %T with %d tokens", pairs, tok, tok.VocabSize())
		}
		for _, c := range fx.Cases {
			if got := b.Encode(c.Text); !slices.Equal(got, c.IDs) {
				t.Errorf("pairs %v: %s: ids %v, want %v", pairs, c.Name, got, c.IDs)
			}
		}
	}
	// vocab.json + merges.txt win over tokenizer.json when both are there.
	dir := t.TempDir()
	writeTokenizerJSON(t, dir, false, func(o map[string]any) { o["model"].(map[string]any)["merges"] = []any{} })
	if err := gpt2(t).Save(dir); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBPE(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Merges()) != len(gpt2(t).Merges()) {
		t.Error("with vocab.json and merges.txt beside it, tokenizer.json was read")
	}
}

// TestTokenizerJSONErrors: a tokenizer.json that is not GPT-2's byte-level
// BPE is refused with the reason, never encoded as if it were.
func TestTokenizerJSONErrors(t *testing.T) {
	model := func(o map[string]any) map[string]any { return o["model"].(map[string]any) }
	cases := []struct {
		name string
		edit func(map[string]any)
		want string
	}{
		{"wordpiece", func(o map[string]any) { model(o)["type"] = "WordPiece" }, `model type "WordPiece"`},
		{"metaspace", func(o map[string]any) { o["pre_tokenizer"] = map[string]any{"type": "Metaspace"} }, `pre_tokenizer "Metaspace"`},
		{"no pre-tokenizer", func(o map[string]any) { o["pre_tokenizer"] = nil }, "pre_tokenizer none"},
		{"prefix space", func(o map[string]any) {
			o["pre_tokenizer"] = map[string]any{"type": "ByteLevel", "add_prefix_space": true}
		}, "adds a prefix space"},
		{"normalizer", func(o map[string]any) { o["normalizer"] = map[string]any{"type": "NFC"} }, "a normalizer"},
		{"dropout", func(o map[string]any) { model(o)["dropout"] = 0.1 }, "dropout 0.1"},
		{"byte fallback", func(o map[string]any) { model(o)["byte_fallback"] = true }, "byte_fallback"},
		{"bad merge", func(o map[string]any) { model(o)["merges"] = []any{"Ġ t", "abc"} }, `model.merges[1] "abc"`},
		{"added id", func(o map[string]any) {
			o["added_tokens"] = []any{map[string]any{"id": 7, "content": EndOfText}}
		}, "has id 7, but the vocabulary gives it 50256"},
		{"no model", func(o map[string]any) { delete(o, "model") }, `no "model"`},
	}
	for _, c := range cases {
		dir := t.TempDir()
		p := writeTokenizerJSON(t, dir, false, c.edit)
		_, err := LoadBPE(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want it to name %s and %q", c.name, err, p, c.want)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, HFTokenizerFile)
	os.WriteFile(p, []byte("{\n  \"model\": {\n    \"vocab\": {\"a\": 0,,}\n  }\n}\n"), 0o644)
	if _, err := LoadBPE(dir); err == nil || !strings.Contains(err.Error(), p+":3:") {
		t.Errorf("syntax error: %v, want the line", err)
	}
}
