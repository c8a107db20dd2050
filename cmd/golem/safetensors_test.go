package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golemml/golem/safetensors"
)

func runSafetensorsCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	safetensorsFlags.json = false
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(args)
	defer rootCmd.SetArgs(nil)
	err := rootCmd.Execute()
	return out.String(), err
}

func TestSafetensorsCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	err := safetensors.WriteFile(path, []safetensors.Tensor{
		{Name: "wte.weight", Shape: []int{10, 4}, Data: make([]float32, 40)},
		{Name: "ln_f.bias", Shape: []int{4}, Data: make([]float32, 4)},
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := runSafetensorsCLI(t, "safetensors", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 tensors, 44 values", `metadata format = "pt"`, "wte.weight", "(10, 4)", "ln_f.bias"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = runSafetensorsCLI(t, "safetensors", "--json", path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tensors []struct {
			Name   string
			Values int64
		}
		Values int64
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Values != 44 || len(got.Tensors) != 2 || got.Tensors[1].Name != "wte.weight" {
		t.Errorf("JSON output %q: %+v, %v", out, got, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, []byte("not a checkpoint"), 0o644)
	if _, err := runSafetensorsCLI(t, "safetensors", bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad file: err = %v", err)
	}
}
