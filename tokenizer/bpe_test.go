package tokenizer

import (
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/golemml/golem/internal/testenv"
)

// refBPE is a literal port of encoder.py's bpe on strings: the reference
// for the int-based merges.
func refBPE(ranks map[[2]string]int, token string) []string {
	var word []string
	for _, r := range token {
		word = append(word, string(r))
	}
	for len(word) > 1 {
		best, at := -1, [2]string{}
		for i := 0; i+1 < len(word); i++ {
			p := [2]string{word[i], word[i+1]}
			if r, ok := ranks[p]; ok && (best < 0 || r < best) {
				best, at = r, p
			}
		}
		if best < 0 {
			break
		}
		var nw []string
		for i := 0; i < len(word); {
			if i+1 < len(word) && word[i] == at[0] && word[i+1] == at[1] {
				nw = append(nw, at[0]+at[1])
				i += 2
			} else {
				nw = append(nw, word[i])
				i++
			}
		}
		word = nw
	}
	return word
}

// randomBPE builds a vocabulary over the 256 bytes plus nMerges merges of
// tokens drawn from alphabet, listed in a shuffled order so that ranks need
// not follow the order in which tokens can be built (as a hand-edited or
// hostile merges file may).
func randomBPE(t testing.TB, rng *rand.Rand, alphabet string, nMerges int) (*BPE, map[[2]string]int) {
	t.Helper()
	enc := map[string]int{}
	for i, c := range byteOrder {
		enc[string(byteRune[c])] = i
	}
	toks := []string{}
	for _, c := range []byte(alphabet) {
		toks = append(toks, string(byteRune[c]))
	}
	var merges [][2]string
	seen := map[[2]string]bool{}
	for len(merges) < nMerges {
		p := [2]string{toks[rng.Intn(len(toks))], toks[rng.Intn(len(toks))]}
		if seen[p] || len(p[0])+len(p[1]) > 12 {
			continue
		}
		seen[p] = true
		merges = append(merges, p)
		m := p[0] + p[1]
		if _, ok := enc[m]; !ok {
			enc[m] = len(enc)
			toks = append(toks, m)
		}
	}
	rng.Shuffle(len(merges), func(i, j int) { merges[i], merges[j] = merges[j], merges[i] })
	b, err := NewBPE(enc, merges)
	if err != nil {
		t.Fatal(err)
	}
	ranks := map[[2]string]int{}
	for i, m := range merges {
		ranks[m] = i
	}
	return b, ranks
}

func TestMergesMatchReferenceOnRandomVocabularies(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 30; trial++ {
		b, ranks := randomBPE(t, rng, "abc", 40)
		for w := 0; w < 40; w++ {
			n := 1 + rng.Intn(200)
			word := make([]byte, n)
			for i := range word {
				word[i] = "abc"[rng.Intn(3)]
			}
			var simple, heap []int32
			for i := range word {
				simple = append(simple, b.byteID[word[i]])
			}
			heap = slices.Clone(simple)
			simple = b.mergeSimple(simple)
			heap = b.mergeHeap(heap)
			if !slices.Equal(simple, heap) {
				t.Fatalf("trial %d word %q: heap merge %v, simple merge %v", trial, word, heap, simple)
			}
			var want []int
			for _, tok := range refBPE(ranks, ByteString(word)) {
				want = append(want, b.encoder[tok])
			}
			got := make([]int, len(simple))
			for i, id := range simple {
				got[i] = int(id)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d word %q: merged to %v, encoder.py's algorithm gives %v", trial, word, got, want)
			}
		}
	}
}

func TestLongPretokenUsesHeapAndMatchesGPT2(t *testing.T) {
	tok := gpt2(t)
	// A 200 kB run of one pre-token (letters only): quadratic merging would
	// take minutes; the heap takes milliseconds.
	word := strings.Repeat("abcdefghij", 20000)
	ids := tok.Encode(word)
	if tok.Decode(ids) != word {
		t.Fatal("long word does not round-trip")
	}
	syms := make([]int32, 0, 2000)
	short := word[:1000]
	for i := 0; i < len(short); i++ {
		syms = append(syms, tok.byteID[short[i]])
	}
	simple := tok.mergeSimple(slices.Clone(syms))
	heap := tok.mergeHeap(syms)
	if !slices.Equal(simple, heap) {
		t.Fatal("heap and simple merges differ on a 1000-byte GPT-2 word")
	}
}

func TestDuplicateMergeKeepsLaterRank(t *testing.T) {
	enc := map[string]int{}
	for i, c := range byteOrder {
		enc[string(byteRune[c])] = i
	}
	enc["ab"], enc["bc"] = 256, 257
	// encoder.py's dict(zip(merges, range(n))) gives (a,b) rank 2, so
	// (b,c) at rank 1 wins on "abc".
	b, err := NewBPE(enc, [][2]string{{"a", "b"}, {"b", "c"}, {"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Encode("abc"); !slices.Equal(got, []int{enc["a"], 257}) {
		t.Fatalf("Encode(abc) = %v, want [a bc]", got)
	}
	if got := b.Merges(); !slices.Equal(got, [][2]string{{"b", "c"}, {"a", "b"}}) {
		t.Fatalf("Merges = %q", got)
	}
}

func TestNewBPEErrors(t *testing.T) {
	base := func() map[string]int {
		enc := map[string]int{}
		for i, c := range byteOrder {
			enc[string(byteRune[c])] = i
		}
		return enc
	}
	cases := []struct {
		name   string
		edit   func(map[string]int)
		merges [][2]string
		want   string
	}{
		{"missing byte", func(e map[string]int) { delete(e, "Ġ") }, nil, "no token for byte 0x20"},
		{"negative id", func(e map[string]int) { e["x1"] = -3 }, nil, "id -3"},
		{"huge id", func(e map[string]int) { e["x1"] = 1 << 30 }, nil, "outside"},
		{"sparse ids", func(e map[string]int) { e["x1"] = 1 << 20 }, nil, "too sparse"},
		{"shared id", func(e map[string]int) { e["zz"] = 5 }, nil, "share id 5"},
		{"empty token", func(e map[string]int) { e[""] = 300 }, nil, "empty token"},
		{"invalid utf8", func(e map[string]int) { e["\xff"] = 300 }, nil, "not valid UTF-8"},
		{"merge part unknown", nil, [][2]string{{"a", "qq"}}, `merge 0: token "qq"`},
		{"merge result unknown", nil, [][2]string{{"a", "b"}}, `merged token "ab"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc := base()
			if c.edit != nil {
				c.edit(enc)
			}
			_, err := NewBPE(enc, c.merges)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
	if _, err := NewBPE(nil, nil); err == nil {
		t.Fatal("NewBPE accepted an empty vocabulary")
	}
}

func TestParseBPEErrorsNameFileAndLine(t *testing.T) {
	var vocab strings.Builder
	vocab.WriteString("{")
	for i, c := range byteOrder {
		vocab.WriteString(string(jsonString(string(byteRune[c]))) + ":" + strconv.Itoa(i) + ",\n")
	}
	vocab.WriteString(`"ab":256}`)
	good := vocab.String()
	cases := []struct {
		name, vocab, merges, want string
	}{
		{"ok", good, "#version: 0.2\na b\n", ""},
		{"ok crlf no header", good, "a b\r\n\r\n", ""},
		{"json syntax", "{\n\"a\": 1,\n\"b\" 2}", "", "vocab.json:3:5"},
		{"json not object", "[1,2]", "", "vocab.json: want a JSON object"},
		{"json null", "null", "", "got null"},
		{"id not int", `{"a": "x"}`, "", `vocab.json: token "a": id "x" is not an integer`},
		{"id float", `{"a": 1.5}`, "", `id 1.5 is not an integer`},
		{"three fields", good, "#version: 0.2\na b\na b c\n", "merges.txt:3: want two tokens"},
		{"one field", good, "#version: 0.2\n\nab\n", "merges.txt:3: want two tokens"},
		{"unknown token", good, "#version: 0.2\na b\nab zzz\n", `merges.txt:3: token "zzz" is not in the vocabulary`},
		{"bad utf8", good, "#version: 0.2\na b\n\xff b\n", "merges.txt:3:1: invalid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := ParseBPE("vocab.json", []byte(c.vocab), "merges.txt", []byte(c.merges))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := b.Encode("ab"); !slices.Equal(got, []int{256}) {
					t.Fatalf("Encode(ab) = %v, want [256]", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestGPT2SaveWritesHuggingFaceFiles(t *testing.T) {
	tok := gpt2(t)
	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	// Hugging Face's gpt2 merges.txt is byte-identical to OpenAI's vocab.bpe.
	orig, err := os.ReadFile(filepath.Join(testenv.SharedData(t, "gpt2-tokenizer"), "vocab.bpe"))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(saved) != string(orig) {
		t.Fatal("saved merges.txt differs from GPT-2's vocab.bpe")
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	bb, ok := back.(*BPE)
	if !ok {
		t.Fatalf("Load gave %T, want *BPE", back)
	}
	if bb.VocabSize() != 50257 || bb.EOT() != 50256 {
		t.Fatalf("reloaded VocabSize %d EOT %d", bb.VocabSize(), bb.EOT())
	}
	want := tok.Vocab()
	got := bb.Vocab()
	if len(got) != len(want) {
		t.Fatalf("reloaded vocabulary has %d tokens, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("token %q: id %d after reload, want %d", k, got[k], v)
		}
	}
	vj, _ := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if !strings.HasPrefix(string(vj), `{"!":0,"\"":1,"#":2,`) || !strings.HasSuffix(string(vj), `"<|endoftext|>":50256}`) {
		t.Fatalf("vocab.json is not in Hugging Face's id order: %.40s ... %s", vj, vj[len(vj)-30:])
	}
}

func TestLoadDetectsFormat(t *testing.T) {
	tiny, err := TrainBPE("hello hello world", 260)
	if err != nil {
		t.Fatal(err)
	}
	char := NewChar("hello world")

	hf := t.TempDir()
	if err := tiny.Save(hf); err != nil {
		t.Fatal(err)
	}
	oa := t.TempDir()
	for from, to := range map[string]string{"vocab.json": "encoder.json", "merges.txt": "vocab.bpe"} {
		data, err := os.ReadFile(filepath.Join(hf, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(oa, to), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ch := t.TempDir()
	if err := char.Save(ch); err != nil {
		t.Fatal(err)
	}
	both := t.TempDir()
	tiny.Save(both)
	char.Save(both)
	half := t.TempDir()
	os.WriteFile(filepath.Join(half, "vocab.json"), []byte("{}"), 0o644)

	for _, dir := range []string{hf, oa} {
		got, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got.(*BPE); !ok || !slices.Equal(got.Encode("hello world"), tiny.Encode("hello world")) {
			t.Fatalf("Load(%s) = %T encoding differently", dir, got)
		}
	}
	got, err := Load(ch)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.(*Char); !ok || got.VocabSize() != char.VocabSize() {
		t.Fatalf("Load(char dir) = %T with %d ids", got, got.VocabSize())
	}
	errCases := map[string]string{
		both:                            "has both",
		t.TempDir():                     "no tokenizer files",
		half:                            "merges.txt",
		filepath.Join(hf, "nope"):       "no such file",
		filepath.Join(hf, "vocab.json"): "not a folder",
	}
	for dir, want := range errCases {
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s) err = %v, want it to mention %q", dir, err, want)
		}
	}
}

func TestEncodeConcurrent(t *testing.T) {
	tok := gpt2(t)
	text := readShakespeare(t)[:200000]
	want := tok.Encode(text)
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			part := text[g*1000:]
			if got := tok.Encode(part); !slices.Equal(got, tok.Encode(part)) || tok.Decode(got) != part {
				errs <- "concurrent Encode is not stable"
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if !slices.Equal(tok.Encode(text), want) {
		t.Fatal("Encode changed after concurrent use")
	}
}
