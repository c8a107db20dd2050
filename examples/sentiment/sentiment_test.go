package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golemml/golem/internal/testenv"
)

// The full UCI run (3000 sentences, 80/20 split, seed 1) must reach the
// target held-out accuracy of 0.80.
func TestUCIAccuracyTarget(t *testing.T) {
	r, err := Run(Config{Dir: testenv.SharedData(t, "sentiment"), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Examples != 3000 || r.Test != 600 {
		t.Errorf("examples %d, test %d; want 3000 and 600", r.Examples, r.Test)
	}
	t.Logf("UCI test accuracy %.4f", r.TestAccuracy)
	if r.TestAccuracy < 0.80 {
		t.Errorf("test accuracy %.4f < 0.80", r.TestAccuracy)
	}
}

// rt-polarity, reduced: the Latin-1 files load whole, and a short run
// learns something.
func TestRTSmall(t *testing.T) {
	dir := testenv.SharedData(t, "sentiment")
	ex, err := LoadRT(dir)
	if err != nil {
		t.Fatal(err)
	}
	pos := 0
	latin := false
	for _, e := range ex {
		if e.Label == 1 {
			pos++
		}
		if strings.ContainsAny(e.Text, "éèï") {
			latin = true
		}
	}
	if len(ex) != 10662 || pos != 5331 {
		t.Errorf("%d examples, %d positive; want 10662 and 5331", len(ex), pos)
	}
	if !latin {
		t.Error("no accented letters: Latin-1 was not decoded")
	}
	r, err := Run(Config{Dir: dir, RT: true, Seed: 1, Limit: 2000, Epochs: 3, MaxLen: 30})
	if err != nil {
		t.Fatal(err)
	}
	if r.TestAccuracy < 0.55 {
		t.Errorf("test accuracy %.4f after a short run", r.TestAccuracy)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x_labelled.txt"), []byte("good\t1\nbad label\t7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadUCI(dir)
	if err == nil || !strings.Contains(err.Error(), "x_labelled.txt:2") {
		t.Errorf("error %v, want one naming x_labelled.txt:2", err)
	}
	if _, err := LoadUCI(t.TempDir()); err == nil {
		t.Error("empty folder: no error")
	}
}
