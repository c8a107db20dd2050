package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func runBenchGPT(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetArgs(append([]string{"bench", "gpt"}, args...))
	defer func() {
		rootCmd.SetArgs(nil)
		rootCmd.SetOut(nil)
		benchJSON, benchNoPeer = false, false
		benchGPTCfg, benchGPTDecode, benchGPTIters, benchGPTPrompt, benchGPTNew = "baby", false, 0, 16, 64
	}()
	err := rootCmd.Execute()
	return out.String(), err
}

func TestBenchGPTJSON(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		bench string
	}{
		{[]string{"--cfg", "baby", "--iters", "1"}, "gpt-train-baby"},
		{[]string{"--cfg", "baby", "--decode", "--prompt", "4", "--new", "3"}, "gpt-decode-baby"},
	} {
		out, err := runBenchGPT(t, append(tc.args, "--json", "--no-peer")...)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Bench string   `json:"bench"`
			Unit  string   `json:"unit"`
			Golem float64  `json:"golem"`
			Peer  *float64 `json:"peer"`
			Ratio *float64 `json:"ratio"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if r.Bench != tc.bench || r.Unit != "tokens/s" || !(r.Golem > 0) || r.Peer != nil || r.Ratio != nil {
			t.Errorf("%v: %s", tc.args, out)
		}
	}
}

func TestBenchGPTBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cfg", "huge"}, "--cfg"},
		{[]string{"--cfg", "baby", "--decode", "--new", "100"}, "--new"},
		{[]string{"--cfg", "baby", "--decode", "--prompt", "0"}, "--prompt"},
	} {
		_, err := runBenchGPT(t, append(tc.args, "--no-peer")...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}
