package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchGemmJSON(t *testing.T) {
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetArgs([]string{"bench", "gemm", "--json", "--no-peer", "--sizes", "16,33", "--threads", "1,2", "--seconds", "0.01"})
	defer func() {
		rootCmd.SetArgs(nil)
		rootCmd.SetOut(nil)
		benchJSON, benchNoPeer = false, false
	}()
	if err := rootCmd.Execute(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 4:\n%s", len(lines), out.String())
	}
	want := [][2]int{{16, 1}, {33, 1}, {16, 2}, {33, 2}}
	for i, l := range lines {
		var r struct {
			Bench   string   `json:"bench"`
			N       int      `json:"n"`
			Threads int      `json:"threads"`
			Unit    string   `json:"unit"`
			Golem   float64  `json:"golem"`
			Peer    *float64 `json:"peer"`
			Ratio   *float64 `json:"ratio"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		if r.Bench != "gemm" || r.Unit != "GFLOPS" || r.N != want[i][0] || r.Threads != want[i][1] ||
			!(r.Golem > 0) || r.Peer != nil || r.Ratio != nil {
			t.Errorf("line %d: %s", i, l)
		}
	}
}

func TestBenchGemmBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--sizes", "128,x"},
		{"--sizes", "0"},
		{"--threads", ""},
		{"--seconds", "-1"},
	} {
		gemmSizes, gemmThreads, gemmSeconds = "8", "1", 0.01
		rootCmd.SetArgs(append([]string{"bench", "gemm", "--no-peer"}, args...))
		err := rootCmd.Execute()
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: error %v, want one naming %s", args, err, args[0])
		}
	}
	rootCmd.SetArgs(nil)
	gemmSizes, gemmThreads, gemmSeconds = "128,256,512,1024,2048", "1,2", 1
	benchNoPeer = false
}
