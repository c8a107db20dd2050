package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/golemml/golem/internal/testenv"
)

var (
	gpt2Once sync.Once
	gpt2Tok  *BPE
	gpt2Err  error
)

// gpt2 loads OpenAI's GPT-2 tokenizer from ../shared/data/gpt2-tokenizer.
func gpt2(t testing.TB) *BPE {
	t.Helper()
	dir := testenv.SharedData(t, "gpt2-tokenizer")
	gpt2Once.Do(func() { gpt2Tok, gpt2Err = LoadBPE(dir) })
	if gpt2Err != nil {
		t.Fatal(gpt2Err)
	}
	return gpt2Tok
}

type fixtureCase struct {
	Name   string   `json:"name"`
	Text   string   `json:"text"`
	Pieces []string `json:"pieces"`
	IDs    []int    `json:"ids"`
}

type fixtures struct {
	Cases         []fixtureCase `json:"cases"`
	DecodeReplace []struct {
		Hex  string `json:"hex"`
		Text string `json:"text"`
	} `json:"decode_replace"`
}

func loadFixtures(t testing.TB) *fixtures {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "gpt2_fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 100 || len(f.DecodeReplace) < 100 {
		t.Fatalf("fixture has %d cases and %d decode cases, want 100+ each", len(f.Cases), len(f.DecodeReplace))
	}
	return &f
}
