package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/golemml/golem/internal/testenv"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/tokenizer"
	"github.com/golemml/golem/train"
)

func TestStopWriter(t *testing.T) {
	cases := []struct {
		pieces []string
		stop   string
		want   string
		more   bool // whether generation goes on after the last piece
	}{
		{[]string{"ab", "c\nUs", "er: hi"}, "\nUser:", "abc", false},
		{[]string{"ab", "c\nUs", "ed"}, "\nUser:", "abc\nUsed", true},
		{[]string{"x\n", "U", "s", "e", "r", ":"}, "\nUser:", "x", false},
		{[]string{"hello", " world"}, "", "hello world", true},
		{[]string{"STOP"}, "STOP", "", false},
		{[]string{"aST", "OPb"}, "STOP", "a", false},
	}
	for _, c := range cases {
		var b bytes.Buffer
		sw := &stopWriter{w: &b, stop: c.stop}
		more := true
		for _, p := range c.pieces {
			more = sw.write(p)
		}
		sw.flush()
		if b.String() != c.want || more != c.more || sw.text.String() != c.want {
			t.Errorf("%q stop %q: wrote %q (more %v), want %q (more %v)", c.pieces, c.stop, b.String(), more, c.want, c.more)
		}
	}
}

const genCorpus = "the quick brown fox jumps over the lazy dog.\nUser: Assistant: ,?!\n"

func TestSample(t *testing.T) {
	dir, m, tok := saveTiny(t, genCorpus, 16)
	run := func(args ...string) string {
		t.Helper()
		out, errOut, err := runGolem(t, "", append([]string{"sample", "--model", dir}, args...)...)
		if err != nil {
			t.Fatalf("sample %v: %v\n%s", args, err, errOut)
		}
		return out
	}
	a := run("--prompt", "the ", "--max-tokens", "40", "--seed", "5")
	b := run("--prompt", "the ", "--max-tokens", "40", "--seed", "5")
	c := run("--prompt", "the ", "--max-tokens", "40", "--seed", "6")
	if a != b {
		t.Errorf("same seed, different samples:\n%q\n%q", a, b)
	}
	if a == c {
		t.Errorf("seeds 5 and 6 gave the same sample %q", a)
	}
	if !strings.HasPrefix(a, "the ") || utf8.RuneCountInString(a) != 4+40+1 {
		t.Errorf("sample %q: want the prompt, 40 characters and a newline", a)
	}
	// Greedy decoding is the model's own Generate with no sampler; 40
	// tokens outrun the 16-token context, so the window slides.
	g := run("--prompt", "the ", "--max-tokens", "40", "--temperature", "0")
	want := "the " + tok.Decode(m.Generate(tok.Encode("the "), 40, nil, -1, nil)) + "\n"
	if g != want {
		t.Errorf("greedy sample %q, want %q", g, want)
	}
	// --stop ends before the stop string, which is not printed.
	gen := strings.TrimSuffix(strings.TrimPrefix(g, "the "), "\n")
	stop := gen[10:13]
	s := run("--prompt", "the ", "--max-tokens", "40", "--temperature", "0", "--stop", stop)
	if wantS := "the " + gen[:strings.Index(gen, stop)] + "\n"; s != wantS {
		t.Errorf("--stop %q: %q, want %q", stop, s, wantS)
	}
	for _, e := range []struct {
		args []string
		want string
	}{
		{[]string{"sample"}, "--model"},
		{[]string{"sample", "--model", filepath.Join(dir, "nope")}, "nope"},
		{[]string{"sample", "--model", dir, "--temperature", "-1"}, "temperature"},
		{[]string{"sample", "--model", dir, "--top-p", "2"}, "top_p"},
		{[]string{"sample", "--model", dir, "--max-tokens", "-3"}, "--max-tokens"},
		{[]string{"sample", "--model", dir, "--prompt-file", filepath.Join(dir, "none.txt")}, "--prompt-file"},
	} {
		if _, _, err := runGolem(t, "", e.args...); err == nil || !strings.Contains(err.Error(), e.want) {
			t.Errorf("%v: %v, want an error mentioning %q", e.args, err, e.want)
		}
	}
}

func TestChat(t *testing.T) {
	dir, m, tok := saveTiny(t, genCorpus, 64)
	out, _, err := runGolem(t, "hello\n\n/reset\nthe dog\n", "chat", "--model", dir, "--temperature", "0", "--max-tokens", "12")
	if err != nil {
		t.Fatalf("chat: %v", err)
	}
	// Each turn's reply is greedy decoding of the template, cut at "\nUser:".
	reply := func(prompt string) string {
		var b bytes.Buffer
		sw := &stopWriter{w: &b, stop: chatStop}
		for _, id := range m.Generate(tok.Encode(prompt), 12, nil, -1, nil) {
			if !sw.write(tok.Decode([]int{id})) {
				break
			}
		}
		sw.flush()
		return b.String()
	}
	r1 := reply("User: hello\nAssistant:")
	r2 := reply("User: the dog\nAssistant:") // after /reset the first turn is forgotten
	want := "Assistant:" + r1 + "\n"
	if strings.HasSuffix(r1, "\n") {
		want = "Assistant:" + r1
	}
	want2 := "Assistant:" + r2
	if !strings.HasSuffix(r2, "\n") {
		want2 += "\n"
	}
	if out != want+want2 {
		t.Errorf("chat printed %q, want %q", out, want+want2)
	}
	// A second turn sees the first one.
	out2, _, err := runGolem(t, "hello\nthe dog\n", "chat", "--model", dir, "--temperature", "0", "--max-tokens", "12")
	if err != nil {
		t.Fatal(err)
	}
	r2b := reply("User: hello\nAssistant:" + strings.TrimRight(r1, "\n") + "\nUser: the dog\nAssistant:")
	if !strings.HasSuffix(strings.TrimSuffix(out2, "\n"), strings.TrimSuffix(r2b, "\n")) {
		t.Errorf("second turn %q, want it to end with %q", out2, r2b)
	}
	// End of input at once is a clean exit.
	if out, _, err := runGolem(t, "", "chat", "--model", dir); err != nil || out != "" {
		t.Errorf("empty input: %q %v", out, err)
	}
	if _, _, err := runGolem(t, "", "chat"); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("no --model: %v", err)
	}
}

func TestQuickstart(t *testing.T) {
	out := filepath.Join(t.TempDir(), "qs")
	stdout, stderr, err := runGolem(t, "", "quickstart", "--data", testCorpus(t), "--config", tinyConfig(t),
		"--duration", "300ms", "--out", out, "--samples", "1", "--sample-tokens", "30", "--prompt", "the ")
	if err != nil {
		t.Fatalf("quickstart: %v\n%s", err, stderr)
	}
	for _, want := range []string{"--- sample 1", "Model:   " + out, "metrics.jsonl", "loss.png", "sample --model"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, stdout)
		}
	}
	recs, err := train.ReadMetrics(filepath.Join(out, "metrics.jsonl"))
	if err != nil || len(recs) == 0 || recs[len(recs)-1].ValLoss == nil {
		t.Fatalf("metrics after quickstart: %d records, %v", len(recs), err)
	}
	for _, f := range []string{"config.json", "model.safetensors", "vocab_char.json", "loss.png", train.StateFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// The quickstart run resumes with golem train, on a clock counted from
	// its start.
	if _, _, err := runGolem(t, "", "train", "--out", out, "--resume", "--duration", "1ms"); err == nil || !strings.Contains(err.Error(), "already trained") {
		t.Errorf("resume past the duration: %v", err)
	}
	_, stderr, err = runGolem(t, "", "train", "--out", out, "--resume", "--duration", "1s", "--plain")
	if err != nil || !strings.Contains(stderr, "resuming") {
		t.Fatalf("resume the quickstart run: %v\n%s", err, stderr)
	}
	if recs2, _ := train.ReadMetrics(filepath.Join(out, "metrics.jsonl")); len(recs2) <= len(recs) {
		t.Errorf("resumed run logged %d records, the first %d", len(recs2), len(recs))
	}
	// A second quickstart replaces the first run.
	if _, stderr, err := runGolem(t, "", "quickstart", "--data", testCorpus(t), "--config", tinyConfig(t),
		"--duration", "100ms", "--out", out, "--samples", "0"); err != nil {
		t.Fatalf("second quickstart: %v\n%s", err, stderr)
	}
	if _, _, err := runGolem(t, "", "quickstart", "--duration", "0s"); err == nil || !strings.Contains(err.Error(), "--duration") {
		t.Errorf("--duration 0: %v", err)
	}
}

// TestQuickstartGoCorpus runs the README's first command briefly, on the
// Go standard library's source.
func TestQuickstartGoCorpus(t *testing.T) {
	root, err := train.GoRoot()
	if err != nil {
		t.Skip(err)
	}
	_ = root
	out := filepath.Join(t.TempDir(), "qs")
	stdout, stderr, err := runGolem(t, "", "quickstart", "--duration", "200ms", "--out", out, "--samples", "1", "--sample-tokens", "10")
	if err != nil {
		t.Fatalf("quickstart: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "Go standard library") || !strings.Contains(stdout, "--- sample 1") {
		t.Errorf("quickstart output:\n%s\n%s", stderr, stdout)
	}
}

func TestNewTokenizer(t *testing.T) {
	if _, err := newTokenizer("nonsense", "abc"); err == nil || !strings.Contains(err.Error(), "--tokenizer") {
		t.Errorf("bad spec: %v", err)
	}
	c, err := newTokenizer("char", "abcab")
	if err != nil || c.VocabSize() != 3 {
		t.Errorf("char: %v %v", c, err)
	}
	dir := t.TempDir()
	if err := c.Save(dir); err != nil {
		t.Fatal(err)
	}
	if d, err := newTokenizer(dir, ""); err != nil || d.VocabSize() != 3 {
		t.Errorf("folder: %v", err)
	}
	testenv.SharedData(t, "gpt2-tokenizer")
	g, err := newTokenizer("gpt2", "")
	if err != nil {
		t.Fatal(err)
	}
	if g.VocabSize() != 50257 || eotOf(g) != 50256 || g.Decode(g.Encode("Hello world")) != "Hello world" {
		t.Errorf("gpt2 tokenizer: vocab %d eot %d", g.VocabSize(), eotOf(g))
	}
}

// TestScoreBPE: with an end-of-text token, it is put before the text so
// that every token of the text is scored.
func TestScoreBPE(t *testing.T) {
	text := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 20)
	bpe, err := tokenizer.TrainBPE(text, 300)
	if err != nil {
		t.Fatal(err)
	}
	m := gpt.New(gpt.Config{NLayer: 1, NHead: 2, NEmbd: 16, BlockSize: 64, VocabSize: bpe.VocabSize(), Bias: true}, 5)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := bpe.Save(dir); err != nil {
		t.Fatal(err)
	}
	short := "the lazy dog jumps"
	ids := append([]int{bpe.EOT()}, bpe.Encode(short)...)
	var want float64
	for j := 1; j < len(ids); j++ {
		want += nllOf(m, ids[:j], ids[j])
	}
	want /= float64(len(ids) - 1)
	n, nll, _ := scoreJSON(t, dir, short)
	if n != len(ids)-1 || math.Abs(nll-want) > 1e-5 {
		t.Errorf("tokens %d nll %v, want %d %v", n, nll, len(ids)-1, want)
	}
	// An empty prompt starts from end-of-text.
	out, _, err := runGolem(t, "", "sample", "--model", dir, "--max-tokens", "5", "--seed", "1")
	if err != nil || out == "" {
		t.Errorf("sample with no prompt: %q %v", out, err)
	}
}
