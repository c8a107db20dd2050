package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"
)

// benchCmd is the parent of every benchmark. Each subcommand prints one
// result per line: a table row, or with --json one JSON object of the shape
// {"bench":..,"unit":..,"golem":G,"peer":P,"ratio":R} (peer and ratio null
// when no peer ran), plus any extra fields the benchmark names.
var benchCmd = &cobra.Command{
	Use:   "bench",
	Short: "Measure golem beside its PyTorch peer from the same run",
}

// Flags every bench subcommand shares.
var (
	benchJSON   bool
	benchNoPeer bool
	benchPeers  string
)

func init() {
	benchCmd.PersistentFlags().BoolVar(&benchJSON, "json", false, "print one JSON object per result")
	benchCmd.PersistentFlags().BoolVar(&benchNoPeer, "no-peer", false, "skip the PyTorch peer")
	benchCmd.PersistentFlags().StringVar(&benchPeers, "peers", "", "folder with the peer scripts (default: ../shared/peers beside the repository)")
	rootCmd.AddCommand(benchCmd)
}

// benchResult is one line of benchmark output. Extra holds fields specific
// to one benchmark (n, threads, clients, ...), printed before the figures.
type benchResult struct {
	Bench string
	Unit  string
	Golem float64
	Peer  *float64 // nil when no peer ran
	// Ratio is golem/peer for rates and peer/golem for times; the bench
	// sets it so that > 1 always means golem is ahead. Nil without a peer.
	Ratio *float64
	Extra []kv
}

type kv struct {
	Key   string
	Value any
}

// printBench writes r as JSON (with --json) or as a readable line.
func printBench(w io.Writer, r benchResult) {
	if benchJSON {
		// Keep key order stable: bench, extras, unit, golem, peer, ratio.
		buf := []byte("{")
		add := func(k string, v any) {
			if len(buf) > 1 {
				buf = append(buf, ',')
			}
			kb, _ := json.Marshal(k)
			vb, err := json.Marshal(v)
			if err != nil {
				vb = []byte("null")
			}
			buf = append(buf, kb...)
			buf = append(buf, ':')
			buf = append(buf, vb...)
		}
		add("bench", r.Bench)
		for _, e := range r.Extra {
			add(e.Key, e.Value)
		}
		add("unit", r.Unit)
		add("golem", round3(r.Golem))
		if r.Peer != nil {
			add("peer", round3(*r.Peer))
		} else {
			add("peer", nil)
		}
		if r.Ratio != nil {
			add("ratio", round3(*r.Ratio))
		} else {
			add("ratio", nil)
		}
		buf = append(buf, '}', '\n')
		w.Write(buf)
		return
	}
	fmt.Fprintf(w, "%-16s", r.Bench)
	for _, e := range r.Extra {
		fmt.Fprintf(w, " %s=%v", e.Key, e.Value)
	}
	fmt.Fprintf(w, "  golem %10.2f %s", r.Golem, r.Unit)
	if r.Peer != nil {
		fmt.Fprintf(w, "  peer %10.2f  ratio %.2fx", *r.Peer, *r.Ratio)
	} else {
		fmt.Fprint(w, "  peer: not run")
	}
	fmt.Fprintln(w)
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// peerScript returns the path of a peer script and the python to run it
// with, or an error saying why the peer cannot run here.
func peerScript(name string) (python, script string, err error) {
	dir := benchPeers
	if dir == "" {
		for _, d := range []string{"../shared/peers", "shared/peers", "../../shared/peers"} {
			if _, e := os.Stat(filepath.Join(d, name)); e == nil {
				dir = d
				break
			}
		}
	}
	if dir == "" {
		return "", "", fmt.Errorf("peer script %s not found (use --peers DIR)", name)
	}
	script = filepath.Join(dir, name)
	if _, e := os.Stat(script); e != nil {
		return "", "", fmt.Errorf("peer script: %w", e)
	}
	python = "/usr/bin/python3"
	if _, e := os.Stat(python); e != nil {
		return "", "", fmt.Errorf("peer needs %s", python)
	}
	if out, e := exec.Command(python, "-c", "import torch").CombinedOutput(); e != nil {
		return "", "", fmt.Errorf("peer needs PyTorch (apt-get install -y python3-torch libopenblas0-pthread): %s", firstLine(out))
	}
	return python, script, nil
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i])
		}
	}
	return string(b)
}

// ratio returns a pointer to num/den, or nil if den is nil or zero.
func ratio(num float64, den *float64) *float64 {
	if den == nil || *den == 0 {
		return nil
	}
	r := num / *den
	return &r
}
