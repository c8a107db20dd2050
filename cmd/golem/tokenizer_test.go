package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golemml/golem/tokenizer"
)

// runTokenizerCLI runs the golem command with args and returns its output.
func runTokenizerCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	tokTrainFlags.data, tokTrainFlags.out, tokTrainFlags.vocabSize = "", "", 0
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(args)
	defer rootCmd.SetArgs(nil)
	err := rootCmd.Execute()
	return out.String(), err
}

func TestTokenizerTrainCommand(t *testing.T) {
	data := t.TempDir()
	text := strings.Repeat("To be, or not to be, that is the question: 'tis nobler in the mind.\n", 50)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(data, "sub", "deeper"), 0o755))
	must(os.MkdirAll(filepath.Join(data, ".git"), 0o755))
	must(os.WriteFile(filepath.Join(data, "a.txt"), []byte(text), 0o644))
	must(os.WriteFile(filepath.Join(data, "sub", "deeper", "b.md"), []byte("Whether 'tis nobler\n"), 0o644))
	must(os.WriteFile(filepath.Join(data, "sub", "image.bin"), []byte{0x89, 'P', 'N', 'G', 0, 0, 0xff}, 0o644))
	must(os.WriteFile(filepath.Join(data, ".git", "config"), []byte("[core]\n"), 0o644))

	out := filepath.Join(t.TempDir(), "new", "tok")
	msg, err := runTokenizerCLI(t, "tokenizer", "train", "--data", data, "--vocab-size", "290", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	for _, want := range []string{"on 2 file(s)", "skipped 1 file(s)", "image.bin", "vocabulary: 290 ids", "<|endoftext|> = 289", "bytes/token"} {
		if !strings.Contains(msg, want) {
			t.Errorf("summary lacks %q:\n%s", want, msg)
		}
	}
	tok, err := tokenizer.LoadBPE(out)
	if err != nil {
		t.Fatal(err)
	}
	// The files, in sorted path order, trained separately, give the same BPE.
	tr := tokenizer.NewBPETrainer()
	tr.Add(text)
	tr.Add("Whether 'tis nobler\n")
	want, err := tr.Train(290)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := tok.Merges(), want.Merges(); len(got) != len(w) || got[0] != w[0] || got[len(got)-1] != w[len(w)-1] {
		t.Fatalf("command's merges differ from the library's")
	}
	if tok.Decode(tok.Encode(text)) != text {
		t.Fatal("trained tokenizer does not round-trip")
	}

	// A glob.
	out2 := t.TempDir()
	if msg, err := runTokenizerCLI(t, "tokenizer", "train", "--data", filepath.Join(data, "*.txt"), "--vocab-size", "280", "--out", out2); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if _, err := tokenizer.Load(out2); err != nil {
		t.Fatal(err)
	}
}

func TestTokenizerTrainCommandErrors(t *testing.T) {
	data := t.TempDir()
	os.WriteFile(filepath.Join(data, "bin"), []byte{0, 1, 2}, 0o644)
	os.WriteFile(filepath.Join(data, "empty.txt"), nil, 0o644)
	txt := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(txt, []byte("hello"), 0o644)
	out := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--vocab-size", "300", "--out", out}, "--data is required"},
		{[]string{"--data", txt, "--vocab-size", "300"}, "--out is required"},
		{[]string{"--data", txt, "--out", out}, "--vocab-size 0: want at least 257"},
		{[]string{"--data", txt, "--vocab-size", "256", "--out", out}, "--vocab-size 256"},
		{[]string{"--data", filepath.Join(data, "missing.txt"), "--vocab-size", "300", "--out", out}, "no such file"},
		{[]string{"--data", filepath.Join(data, "*.nothing"), "--vocab-size", "300", "--out", out}, "no files match"},
		{[]string{"--data", filepath.Join(data, "bin"), "--vocab-size", "300", "--out", out}, "none of the 1 files is text"},
		{[]string{"--data", filepath.Join(data, "empty.txt"), "--vocab-size", "300", "--out", out}, "empty"},
		{[]string{"--data", txt, "--vocab-size", "300", "--out", filepath.Join(txt, "sub")}, "--out"},
	}
	for _, c := range cases {
		msg, err := runTokenizerCLI(t, append([]string{"tokenizer", "train"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("train %q: err = %v, want it to mention %q\n%s", c.args, err, c.want, msg)
		}
	}
}

func TestTokenizerEncodeCommand(t *testing.T) {
	dir := t.TempDir()
	if err := tokenizer.NewChar("hello world").Save(dir); err != nil {
		t.Fatal(err)
	}
	tokEncodeFlags.text, tokEncodeFlags.file, tokEncodeFlags.special = "", "", false
	msg, err := runTokenizerCLI(t, "tokenizer", "encode", "--dir", dir, "--text", "hold")
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if want := "4 tokens (vocabulary 8): [3 5 4 1]\n\"h\" \"o\" \"l\" \"d\"\n"; msg != want {
		t.Fatalf("output %q, want %q", msg, want)
	}
	tokEncodeFlags.text, tokEncodeFlags.dir = "", ""
	if _, err := runTokenizerCLI(t, "tokenizer", "encode", "--dir", t.TempDir(), "--text", "x"); err == nil || !strings.Contains(err.Error(), "no tokenizer files") {
		t.Fatalf("err = %v, want no tokenizer files", err)
	}
}
