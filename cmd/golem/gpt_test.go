package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/tokenizer"
	"github.com/golemml/golem/train"
)

// runGolem runs the golem command in-process with args and stdin, after
// putting every flag of the subcommand back to its default (cobra keeps
// flag values between Execute calls). It returns stdout and stderr.
func runGolem(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if c, _, e := rootCmd.Find(args); e == nil {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			f.Value.Set(f.DefValue)
			f.Changed = false
		})
	}
	var out, errb bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errb)
	rootCmd.SetIn(strings.NewReader(stdin))
	rootCmd.SetArgs(args)
	defer func() {
		rootCmd.SetArgs(nil)
		rootCmd.SetOut(nil)
		rootCmd.SetErr(nil)
		rootCmd.SetIn(nil)
	}()
	err = rootCmd.Execute()
	return out.String(), errb.String(), err
}

// testCorpus writes a small English text and returns its path.
func testCorpus(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	words := strings.Fields("the quick brown fox jumps over a lazy dog while seven tired cats sleep in warm sun and one bird sings")
	s := uint64(42)
	for i := range 2500 {
		s = s*6364136223846793005 + 1442695040888963407
		b.WriteString(words[int(s>>33)%len(words)])
		if i%11 == 10 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	p := filepath.Join(t.TempDir(), "corpus.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tinyConfig writes a golem config JSON for a 1-layer model and returns
// its path.
func tinyConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tiny.json")
	cfg := `{"n_layer":1,"n_head":2,"n_embd":16,"block_size":16,"vocab_size":40,"dropout":0,"bias":true}`
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func tinyTrainArgs(data, cfg, out string, extra ...string) []string {
	return append([]string{"train", "--data", data, "--tokenizer", "char", "--config", cfg, "--out", out,
		"--batch", "4", "--lr", "1e-2", "--warmup", "2", "--eval-interval", "3", "--eval-iters", "2", "--plain"}, extra...)
}

func TestTrainCommand(t *testing.T) {
	data, cfg, out := testCorpus(t), tinyConfig(t), filepath.Join(t.TempDir(), "run")
	_, stderr, err := runGolem(t, "", tinyTrainArgs(data, cfg, out, "--iters", "6")...)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	for _, want := range []string{"val loss", "done: 6 steps", "metrics.jsonl", "loss.png"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("output lacks %q:\n%s", want, stderr)
		}
	}
	// metrics.jsonl: one object per step with exactly the documented keys.
	b, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 6 {
		t.Fatalf("metrics.jsonl has %d lines, want 6", len(lines))
	}
	for i, l := range lines {
		var obj map[string]float64
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		want := []string{"iter", "train_loss", "lr", "tokens_per_s"}
		if (i+1)%3 == 0 {
			want = append(want, "val_loss")
		}
		if len(obj) != len(want) {
			t.Errorf("line %d keys %v, want %v", i+1, obj, want)
		}
		for _, k := range want {
			if _, ok := obj[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, k, l)
			}
		}
		if int(obj["iter"]) != i+1 || !(obj["train_loss"] > 0) || !(obj["lr"] > 0) {
			t.Errorf("line %d: %s", i+1, l)
		}
	}
	f, err := os.Open(filepath.Join(out, "loss.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("loss.png: %v", err)
	}
	// The folder is a model folder: golem's loaders read it back.
	m, err := gpt.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.NLayer != 1 || m.Config.BlockSize != 16 || tok.VocabSize() > m.Config.VocabSize {
		t.Errorf("loaded config %+v, vocab %d", m.Config, tok.VocabSize())
	}
	// Running again into the same folder without --resume is refused.
	if _, _, err := runGolem(t, "", tinyTrainArgs(data, cfg, out, "--iters", "6")...); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("second run into the same --out: %v", err)
	}
}

// TestTrainResumeIsExact: 8 steps straight and 4 + resume 4 give the same
// loss log and the same checkpoint, bit for bit.
func TestTrainResumeIsExact(t *testing.T) {
	for _, extra := range [][]string{{"--grad-accum", "2"}, {"--dropout", "0.2"}} {
		t.Run(strings.Join(extra, "="), func(t *testing.T) { testResume(t, extra) })
	}
}

func testResume(t *testing.T, extra []string) {
	data, cfg := testCorpus(t), tinyConfig(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	if _, e, err := runGolem(t, "", tinyTrainArgs(data, cfg, a, append([]string{"--iters", "8"}, extra...)...)...); err != nil {
		t.Fatalf("straight: %v\n%s", err, e)
	}
	if _, e, err := runGolem(t, "", tinyTrainArgs(data, cfg, b, append([]string{"--iters", "4", "--lr-decay-iters", "8"}, extra...)...)...); err != nil {
		t.Fatalf("first half: %v\n%s", err, e)
	}
	// Resume needs nothing but the folder and the new step count.
	_, e, err := runGolem(t, "", "train", "--out", b, "--resume", "--iters", "8", "--plain")
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, e)
	}
	if !strings.Contains(e, "resuming") || !strings.Contains(e, "at step 4") {
		t.Errorf("resume output:\n%s", e)
	}
	if _, _, err := runGolem(t, "", "train", "--out", b, "--resume"); err == nil || !strings.Contains(err.Error(), "already did 8 steps") {
		t.Errorf("resuming a finished run: %v", err)
	}
	ra, err := train.ReadMetrics(filepath.Join(a, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rb, err := train.ReadMetrics(filepath.Join(b, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ra) != 8 || len(rb) != 8 {
		t.Fatalf("%d and %d records, want 8", len(ra), len(rb))
	}
	for i := range ra {
		x, y := ra[i], rb[i]
		if i+1 == 4 {
			// The first half ended at step 4 with an evaluation of its
			// own; the straight run has none there.
			if y.ValLoss == nil || x.ValLoss != nil {
				t.Errorf("step 4: val_loss %v straight, %v resumed; want only the resumed run's", x.ValLoss, y.ValLoss)
			}
			x.ValLoss, y.ValLoss = nil, nil
		}
		if x.Iter != y.Iter || x.TrainLoss != y.TrainLoss || x.LR != y.LR || (x.ValLoss == nil) != (y.ValLoss == nil) ||
			(x.ValLoss != nil && *x.ValLoss != *y.ValLoss) {
			t.Errorf("step %d differs: %+v vs %+v", i+1, x, y)
		}
	}
	wa, _ := os.ReadFile(filepath.Join(a, "model.safetensors"))
	wb, _ := os.ReadFile(filepath.Join(b, "model.safetensors"))
	if len(wa) == 0 || !bytes.Equal(wa, wb) {
		t.Error("model.safetensors differs between the straight and the resumed run")
	}
}

func TestTrainInitFrom(t *testing.T) {
	data, cfg := testCorpus(t), tinyConfig(t)
	base, ft := filepath.Join(t.TempDir(), "base"), filepath.Join(t.TempDir(), "ft")
	if _, e, err := runGolem(t, "", tinyTrainArgs(data, cfg, base, "--iters", "3")...); err != nil {
		t.Fatalf("base: %v\n%s", err, e)
	}
	_, e, err := runGolem(t, "", "train", "--init-from", base, "--data", data, "--out", ft, "--iters", "3",
		"--batch", "4", "--eval-interval", "3", "--eval-iters", "2", "--lr", "1e-3", "--plain")
	if err != nil {
		t.Fatalf("fine-tune: %v\n%s", err, e)
	}
	r0, _ := train.ReadMetrics(filepath.Join(base, "metrics.jsonl"))
	r1, _ := train.ReadMetrics(filepath.Join(ft, "metrics.jsonl"))
	if len(r1) != 3 || r1[0].TrainLoss >= r0[0].TrainLoss {
		t.Errorf("fine-tuning starts at loss %v, the base run started at %v: weights not loaded?", r1[0].TrainLoss, r0[0].TrainLoss)
	}
	_, _, err = runGolem(t, "", "train", "--init-from", base, "--data", data, "--out", filepath.Join(t.TempDir(), "x"), "--block", "17")
	if err == nil || !strings.Contains(err.Error(), "--block 17") {
		t.Errorf("--block beyond the loaded model's: %v", err)
	}
	v0, _ := os.ReadFile(filepath.Join(base, tokenizer.CharFile))
	v1, _ := os.ReadFile(filepath.Join(ft, tokenizer.CharFile))
	if !bytes.Equal(v0, v1) {
		t.Error("fine-tuned model has another vocabulary")
	}
	// New text with characters the base vocabulary lacks: they are
	// skipped, and the run says so.
	raw, _ := os.ReadFile(data)
	other := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(other, append(raw, "§§§ ☃\n"...), 0o644)
	_, e, err = runGolem(t, "", "train", "--init-from", base, "--data", other, "--out", filepath.Join(t.TempDir(), "ft2"), "--iters", "1",
		"--batch", "4", "--eval-iters", "1", "--plain")
	if err != nil || !strings.Contains(e, "--data: skipped 4 character(s) not in the model's vocabulary (the first: '§'") {
		t.Errorf("fine-tuning on text with new characters: %v\n%s", err, e)
	}
}

func TestTrainCommandErrors(t *testing.T) {
	data := testCorpus(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "o")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--data", data, "--config", "baby"}, "--out"},
		{[]string{"train", "--config", "baby", "--out", out}, "--data"},
		{[]string{"train", "--data", data, "--out", out}, "--config"},
		{[]string{"train", "--data", data, "--config", "huge", "--out", out}, "huge"},
		{[]string{"train", "--data", filepath.Join(dir, "nope.txt"), "--config", "baby", "--out", out}, "nope.txt"},
		{[]string{"train", "--data", filepath.Join(dir, "*.none"), "--config", "baby", "--out", out}, "*.none"},
		{[]string{"train", "--data", data, "--config", "baby", "--tokenizer", "nonsense", "--out", out}, "--tokenizer"},
		{[]string{"train", "--data", data, "--config", "baby", "--lr", "-1", "--out", out}, "--lr"},
		{[]string{"train", "--data", data, "--config", "baby", "--batch", "0", "--out", out}, "--batch"},
		{[]string{"train", "--out", out, "--resume"}, "nothing to resume"},
		{[]string{"train", "--init-from", filepath.Join(dir, "missing"), "--data", data, "--out", out}, "--init-from"},
	}
	for _, c := range cases {
		_, _, err := runGolem(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one mentioning %q", c.args[1:], err, c.want)
		}
	}
}

// saveTiny writes a freshly initialized tiny model with a character
// tokenizer of corpus into a new folder.
func saveTiny(t *testing.T, corpus string, block int) (string, *gpt.Model, *tokenizer.Char) {
	t.Helper()
	tok := tokenizer.NewChar(corpus)
	m := gpt.New(gpt.Config{NLayer: 2, NHead: 2, NEmbd: 16, BlockSize: block, VocabSize: tok.VocabSize(), Bias: true}, 3)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	return dir, m, tok
}

// nllOf returns -log p(ids[len-1] | ids[:len-1]) under m, from the logits
// of a plain forward pass, in float64.
func nllOf(m *gpt.Model, ctx []int, target int) float64 {
	m.Forward(ctx, 1, len(ctx), nil)
	V := m.Config.VocabSize
	row := m.Logits()[(len(ctx)-1)*V : len(ctx)*V]
	mx := math.Inf(-1)
	for _, v := range row {
		mx = math.Max(mx, float64(v))
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v) - mx)
	}
	return -(float64(row[target]) - mx - math.Log(s))
}

func scoreJSON(t *testing.T, dir, text string, extra ...string) (n int, nll, ppl float64) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "text.txt")
	os.WriteFile(p, []byte(text), 0o644)
	out, _, err := runGolem(t, "", append([]string{"score", "--model", dir, "--text", p, "--json"}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Tokens   int
		NLL, PPL float64
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("score --json printed %q: %v", out, err)
	}
	if !strings.HasPrefix(out, `{"tokens":`) {
		t.Errorf("score --json printed %q", out)
	}
	return r.Tokens, r.NLL, r.PPL
}

func TestScore(t *testing.T) {
	const corpus = "abcdefghij klmnop, qrstuvwxyz.\n"
	const block = 8
	dir, m, tok := saveTiny(t, corpus, block)
	m.SetTraining(false)
	const tol = 1e-5

	// A text that fits in one window: the mean of the direct per-token NLLs.
	short := "hello, world"[:block+1]
	ids := tok.Encode(short)
	var direct float64
	for j := 1; j < len(ids); j++ {
		direct += nllOf(m, ids[:j], ids[j])
	}
	direct /= float64(len(ids) - 1)
	n, nll, ppl := scoreJSON(t, dir, short)
	if n != len(ids)-1 || math.Abs(nll-direct) > tol || math.Abs(ppl-math.Exp(direct)) > tol*ppl {
		t.Errorf("one window: tokens %d nll %v ppl %v, want %d, %v, %v", n, nll, ppl, len(ids)-1, direct, math.Exp(direct))
	}

	// A longer text: each token once, with the context of the first
	// window (windows start every stride tokens) that reaches it.
	long := "the quick brown fox, jumps over the lazy dog.\nand then"
	ids = tok.Encode(long)
	for _, stride := range []int{block / 2, 3, block} {
		var want float64
		for j := 1; j < len(ids); j++ {
			k := 0
			if j > block {
				k = (j - block + stride - 1) / stride
			}
			want += nllOf(m, ids[k*stride:j], ids[j])
		}
		want /= float64(len(ids) - 1)
		args := []string{}
		if stride != block/2 {
			args = []string{"--stride", string(rune('0' + stride))}
		}
		n, nll, _ := scoreJSON(t, dir, long, args...)
		if n != len(ids)-1 || math.Abs(nll-want) > tol {
			t.Errorf("stride %d: tokens %d nll %v, want %d, %v", stride, n, nll, len(ids)-1, want)
		}
	}

	// Plain output and errors.
	p := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(p, []byte(long), 0o644)
	out, _, err := runGolem(t, "", "score", "--model", dir, "--text", p)
	if err != nil || !strings.Contains(out, "ppl") || !strings.Contains(out, "nats/token") {
		t.Errorf("score: %q %v", out, err)
	}
	out, _, err = runGolem(t, long, "score", "--model", dir, "--text", "-", "--json")
	if err != nil || !strings.Contains(out, `"tokens":`) {
		t.Errorf("score from stdin: %q %v", out, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"score", "--model", dir}, "--text"},
		{[]string{"score", "--text", p}, "--model"},
		{[]string{"score", "--model", dir, "--text", filepath.Join(dir, "none.txt")}, "none.txt"},
		{[]string{"score", "--model", filepath.Join(dir, "none"), "--text", p}, "--model"},
		{[]string{"score", "--model", dir, "--text", p, "--stride", "99"}, "--stride"},
	} {
		if _, _, err := runGolem(t, "", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error mentioning %q", c.args, err, c.want)
		}
	}

	// Characters the vocabulary lacks are skipped with a warning, in a
	// scored text as in a prompt; a text the vocabulary covers gets none.
	_, stderr, err := runGolem(t, "hello € wörld", "score", "--model", dir, "--text", "-")
	if err != nil || !strings.Contains(stderr, `skipped 2 character(s) not in the model's vocabulary (the first: '€' at byte 6)`) {
		t.Errorf("score of unknown characters: %v, stderr %q", err, stderr)
	}
	_, stderr, err = runGolem(t, "", "sample", "--model", dir, "--prompt", "ab€", "--max-tokens", "2")
	if err != nil || !strings.Contains(stderr, "--prompt: skipped 1 character(s)") {
		t.Errorf("sample with an unknown character: %v, stderr %q", err, stderr)
	}
	if _, stderr, _ = runGolem(t, long, "score", "--model", dir, "--text", "-"); strings.Contains(stderr, "warning") {
		t.Errorf("warning for a text the vocabulary covers: %q", stderr)
	}
}
