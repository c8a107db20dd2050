package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchOptimCommand(t *testing.T) {
	defer func() { benchJSON, benchNoPeer = false, false }()
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetArgs([]string{"bench", "optim", "--no-peer", "--json", "--n", "200000", "--iters", "2", "--threads", "1", "--optim", "adamw,sgd"})
	defer rootCmd.SetArgs(nil)
	if err := rootCmd.Execute(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 result lines, got %q", out.String())
	}
	for i, want := range []string{"adamw", "sgd"} {
		var r struct {
			Bench, Optim, Unit string
			N                  int
			Golem              float64
			Peer               *float64
		}
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("line %q: %v", lines[i], err)
		}
		if r.Bench != "optim" || r.Optim != want || r.N != 200000 || r.Unit != "ms/step" || r.Golem < 0 || r.Peer != nil {
			t.Errorf("line %d = %+v", i, r)
		}
	}
	rootCmd.SetArgs([]string{"bench", "optim", "--no-peer", "--optim", "lamb"})
	if err := rootCmd.Execute(); err == nil || !strings.Contains(err.Error(), `"lamb"`) {
		t.Errorf("unknown optimizer: err = %v", err)
	}
}
