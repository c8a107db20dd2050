package tokenizer

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestTrainBPEShakespeare(t *testing.T) {
	text := readShakespeare(t)
	tok, err := TrainBPE(text, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 1000 {
		t.Fatalf("VocabSize = %d, want 1000", tok.VocabSize())
	}
	if tok.EOT() != 999 {
		t.Fatalf("EOT = %d, want 999", tok.EOT())
	}
	ms := tok.Merges()
	if len(ms) < 743 {
		t.Fatalf("%d merges, want at least 743", len(ms))
	}
	vocab := tok.Vocab()
	for i, m := range ms {
		for _, part := range []string{m[0], m[1], m[0] + m[1]} {
			if _, ok := vocab[part]; !ok {
				t.Fatalf("merge %d %q: %q not in the vocabulary", i, m, part)
			}
		}
	}
	// Frequent words and the newline must have been learned.
	for _, w := range []string{"Ġthe", "Ġand", "ĠI", "Ġyou"} {
		if _, ok := vocab[w]; !ok {
			t.Errorf("trained vocabulary lacks %q", w)
		}
	}
	ids := tok.Encode(text)
	if back := tok.Decode(ids); back != text {
		t.Fatal("trained tokenizer does not round-trip tinyshakespeare")
	}
	ratio := float64(len(text)) / float64(len(ids))
	if ratio < 2.3 {
		t.Fatalf("compression %.2f bytes/token, want > 2.3 with 1000 tokens (GPT-2's 50257 give 3.3)", ratio)
	}
	t.Logf("1000-token BPE: %d tokens for %d bytes (%.2f bytes/token)", len(ids), len(text), ratio)

	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := LoadBPE(dir)
	if err != nil {
		t.Fatal(err)
	}
	sample := text[:20000] + "Ünïcödé 😀 \t\n <|endoftext|>"
	if !slices.Equal(back.Encode(sample), tok.Encode(sample)) {
		t.Fatal("Save then LoadBPE encodes differently")
	}
	if !slices.Equal(back.Merges(), tok.Merges()) || back.VocabSize() != tok.VocabSize() || back.EOT() != tok.EOT() {
		t.Fatal("Save then LoadBPE changed merges, vocabulary size or EOT")
	}
	mt, err := os.ReadFile(dir + "/merges.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(mt), "#version: 0.2\n") {
		t.Fatalf("merges.txt starts %q, want the #version: 0.2 line", mt[:20])
	}
}

func TestTrainBPEHandExample(t *testing.T) {
	// Pre-tokens of "ab ab ab aa": "ab", " ab", " ab", " aa".
	// Pairs: (a,b) 3, (Ġ,a) 3, (a,a) 1. (a,b) and (Ġ,a) tie at 3; 'a' has
	// id 64 and 'Ġ' (space) id 220 in bytes_to_unicode order, so (a,b) goes
	// first (id 256), then (Ġ,ab) with count 2 (id 257).
	tok, err := TrainBPE("ab ab ab aa", 259)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"a", "b"}, {"Ġ", "ab"}}
	if got := tok.Merges(); !slices.Equal(got, want) {
		t.Fatalf("merges = %q, want %q", got, want)
	}
	if got := tok.Encode("ab ab aa"); !slices.Equal(got, []int{256, 257, 220, 64, 64}) {
		t.Fatalf("Encode = %v, want [256 257 220 64 64]", got)
	}
}

func TestTrainBPEDeterministicAndSmallCorpus(t *testing.T) {
	text := "the cat sat on the mat; the cat ate the rat. 猫が好き 😀😀"
	a, err := TrainBPE(text, 300)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		b, err := TrainBPE(text, 300)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Merges(), b.Merges()) {
			t.Fatalf("training twice gave different merges:\n%q\n%q", a.Merges(), b.Merges())
		}
	}
	// The corpus runs out of pairs before 300 ids: smaller vocabulary.
	if a.VocabSize() >= 300 || a.VocabSize() < 257 {
		t.Fatalf("VocabSize = %d, want between 257 and 299 for a tiny corpus", a.VocabSize())
	}
	if got := a.Decode(a.Encode(text)); got != text {
		t.Fatalf("round trip = %q", got)
	}
	// Every pre-token of the corpus is a single token now.
	for _, w := range Pretokenize(text) {
		if n := len(a.Encode(w)); n != 1 {
			t.Errorf("%q encodes to %d tokens, want 1 after exhaustive training", w, n)
		}
	}
	if _, err := TrainBPE(text, 256); err == nil {
		t.Fatal("TrainBPE accepted vocabulary size 256")
	}
	e, err := TrainBPE("", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if e.VocabSize() != 257 || e.EOT() != 256 {
		t.Fatalf("empty corpus: VocabSize %d EOT %d, want 257 and 256", e.VocabSize(), e.EOT())
	}
}

func TestTrainerMatchesNaiveRecount(t *testing.T) {
	// Recount all pairs from scratch before each merge and check that the
	// incremental trainer made the same choice.
	text := readShakespeare(t)[:30000]
	tok, err := TrainBPE(text, 400)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, w := range Pretokenize(text) {
		counts[w]++
	}
	type word struct {
		syms  []string
		count int64
	}
	var words []word
	for w, c := range counts {
		var s []string
		for i := 0; i < len(w); i++ {
			s = append(s, ByteString([]byte{w[i]}))
		}
		words = append(words, word{s, c})
	}
	vocab := tok.Vocab()
	for mi, m := range tok.Merges() {
		pc := map[[2]string]int64{}
		for _, w := range words {
			for i := 0; i+1 < len(w.syms); i++ {
				pc[[2]string{w.syms[i], w.syms[i+1]}] += w.count
			}
		}
		var best [2]string
		bestN := int64(-1)
		for p, n := range pc {
			ia, ib := vocab[p[0]], vocab[p[1]]
			ba, bb := vocab[best[0]], vocab[best[1]]
			if n > bestN || (n == bestN && (ia < ba || (ia == ba && ib < bb))) {
				best, bestN = p, n
			}
		}
		if best != m {
			t.Fatalf("merge %d: trainer chose %q, recount says %q (count %d, trainer's %d)", mi, m, best, bestN, pc[m])
		}
		for wi := range words {
			s := words[wi].syms
			var out []string
			for i := 0; i < len(s); {
				if i+1 < len(s) && s[i] == m[0] && s[i+1] == m[1] {
					out = append(out, m[0]+m[1])
					i += 2
				} else {
					out = append(out, s[i])
					i++
				}
			}
			words[wi].syms = out
		}
	}
}
