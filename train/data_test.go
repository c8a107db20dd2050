package train

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadText(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.txt"), "bee")
	write(t, filepath.Join(dir, "a.txt"), "ay\n")
	write(t, filepath.Join(dir, "sub", "c.md"), "sea")
	write(t, filepath.Join(dir, ".hidden"), "no")
	write(t, filepath.Join(dir, ".git", "x"), "no")
	write(t, filepath.Join(dir, "bin.dat"), "a\x00b")
	empty := filepath.Join(dir, "sub", "empty")
	write(t, filepath.Join(empty, "only.bin"), "\x00\x01")

	text, files, err := ReadText(filepath.Join(dir, "b.txt"))
	if err != nil || text != "bee" || len(files) != 1 {
		t.Errorf("file: %q %v %v", text, files, err)
	}
	text, files, err = ReadText(dir)
	if err != nil || text != "ay\nbee\nsea\n" || len(files) != 3 {
		t.Errorf("folder: %q %v %v", text, files, err)
	}
	text, _, err = ReadText(filepath.Join(dir, "*.txt"))
	if err != nil || text != "ay\nbee\n" {
		t.Errorf("glob: %q %v", text, err)
	}
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.txt"), "missing.txt"},
		{filepath.Join(dir, "*.nothing"), "matches no files"},
		{empty, "no text files"},
		{"", "no data path"},
	} {
		if _, _, err := ReadText(c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadText(%q) error %v, want one mentioning %q", c.path, err, c.want)
		}
	}
	write(t, filepath.Join(dir, "latin1.txt"), "caf\xe9")
	if _, _, err := ReadText(filepath.Join(dir, "latin1.txt")); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("latin-1 file: %v", err)
	}
}

func TestGoSource(t *testing.T) {
	root := runtime.GOROOT()
	if _, err := os.Stat(filepath.Join(root, "src", "fmt")); err != nil {
		t.Skip("no Go source tree here")
	}
	const max = 300 << 10
	text, files, err := GoSource(root, max)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) > max+len(files) || len(text) < max/2 {
		t.Errorf("corpus of %d bytes, want about %d", len(text), max)
	}
	if !slices.IsSorted(files) || !strings.Contains(text, "package ") {
		t.Error("files not sorted or not Go")
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.Contains(f, string(filepath.Separator)+"testdata"+string(filepath.Separator)) || strings.Contains(f, filepath.Join("src", "cmd")+string(filepath.Separator)) {
			t.Errorf("unexpected file %s", f)
		}
	}
	again, _, _ := GoSource(root, max)
	if again != text {
		t.Error("corpus differs between calls")
	}
	if _, err := GoRoot(); err != nil {
		t.Error(err)
	}
}

func TestSplit(t *testing.T) {
	toks := make([]int, 100)
	for i := range toks {
		toks[i] = i
	}
	tr, va := Split(toks, 0.9)
	if len(tr) != 90 || len(va) != 10 || tr[89] != 89 || va[0] != 90 {
		t.Errorf("split %d/%d", len(tr), len(va))
	}
}

func TestBatcher(t *testing.T) {
	data := make([]int, 50)
	for i := range data {
		data[i] = i
	}
	b := NewBatcher(3)
	x, y := b.Batch(data, 4, 6)
	for i := range 4 {
		for j := range 6 {
			if y[i*6+j] != x[i*6+j]+1 || (j > 0 && x[i*6+j] != x[i*6+j-1]+1) {
				t.Fatalf("row %d is not a window with shifted targets: %v / %v", i, x[i*6:i*6+6], y[i*6:i*6+6])
			}
		}
	}
	state, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := b.Batch(data, 4, 6)
	want = slices.Clone(want)
	c := NewBatcher(99)
	if err := c.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Batch(data, 4, 6)
	if !slices.Equal(got, want) {
		t.Errorf("restored batcher draws %v, want %v", got, want)
	}
	// Every window start is reachable, and the last one too.
	seen := map[int]bool{}
	d := NewBatcher(1)
	for range 500 {
		x, _ := d.Batch(data[:10], 1, 6)
		seen[x[0]] = true
	}
	if len(seen) != 4 {
		t.Errorf("window starts drawn: %v, want 0..3", seen)
	}
}

func TestMetricsRoundTripAndErrors(t *testing.T) {
	dir := t.TempDir()
	v := 1.5
	recs := []Record{{Iter: 1, TrainLoss: 2, LR: 1e-3, TokensPerS: 100}, {Iter: 2, TrainLoss: 1.75, LR: 1e-3, TokensPerS: 120, ValLoss: &v}}
	p := filepath.Join(dir, "metrics.jsonl")
	if err := WriteMetrics(p, recs); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := "{\"iter\":1,\"train_loss\":2,\"lr\":0.001,\"tokens_per_s\":100}\n{\"iter\":2,\"train_loss\":1.75,\"lr\":0.001,\"tokens_per_s\":120,\"val_loss\":1.5}\n"; string(b) != want {
		t.Errorf("metrics.jsonl =\n%s\nwant\n%s", b, want)
	}
	got, err := ReadMetrics(p)
	if err != nil || len(got) != 2 || *got[1].ValLoss != 1.5 || got[0].ValLoss != nil {
		t.Errorf("read back %+v, %v", got, err)
	}
	write(t, p, "{\"iter\":1}\n{bad\n")
	if _, err := ReadMetrics(p); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed: %v", err)
	}
	if got, err := ReadMetrics(filepath.Join(dir, "none")); err != nil || got != nil {
		t.Errorf("missing file: %v %v", got, err)
	}
}
