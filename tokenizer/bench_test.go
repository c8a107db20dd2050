package tokenizer

import (
	"os"
	"testing"

	"github.com/golemml/golem/internal/testenv"
)

func readShakespeare(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(testenv.SharedData(t, "tinyshakespeare", "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// BenchmarkEncode encodes the first 1 MB (1<<20 bytes) of tinyshakespeare
// with GPT-2's tokenizer, from a cold word cache each time.
func BenchmarkEncode(b *testing.B) {
	text := readShakespeare(b)[:1<<20]
	dir := testenv.SharedData(b, "gpt2-tokenizer")
	tok, err := LoadBPE(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok.mu.Lock()
		clear(tok.cache)
		tok.mu.Unlock()
		tok.Encode(text)
	}
}

// BenchmarkEncodeWarm is BenchmarkEncode with the word cache kept.
func BenchmarkEncodeWarm(b *testing.B) {
	text := readShakespeare(b)[:1<<20]
	tok := gpt2(b)
	tok.Encode(text)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok.Encode(text)
	}
}

func BenchmarkLoadGPT2(b *testing.B) {
	dir := testenv.SharedData(b, "gpt2-tokenizer")
	for i := 0; i < b.N; i++ {
		if _, err := LoadBPE(dir); err != nil {
			b.Fatal(err)
		}
	}
}
