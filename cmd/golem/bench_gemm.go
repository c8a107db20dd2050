package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/golemml/golem/internal/kernels"
	"github.com/spf13/cobra"
)

// golem bench gemm: float32 C = A·B for square n, golem's SGEMM beside
// PyTorch's (OpenBLAS) on the same machine, in GFLOPS.
var benchGemmCmd = &cobra.Command{
	Use:   "gemm",
	Short: "SGEMM GFLOPS for square sizes and thread counts, beside PyTorch/OpenBLAS",
	Long: `Times C = A·B (float32, square n×n, row-major) with golem's SGEMM for each
thread count and size: one warm-up product, then repeated products for
--seconds. The peer (../shared/peers/gemm.py) runs once per thread count with
OPENBLAS_NUM_THREADS and OMP_NUM_THREADS set to it. GFLOPS = 2·n³/time.`,
	Args: cobra.NoArgs,
	RunE: runBenchGemm,
}

var (
	gemmSizes   string
	gemmThreads string
	gemmSeconds float64
)

func init() {
	benchGemmCmd.Flags().StringVar(&gemmSizes, "sizes", "128,256,512,1024,2048", "comma-separated matrix sizes n")
	benchGemmCmd.Flags().StringVar(&gemmThreads, "threads", "1,2", "comma-separated thread counts")
	benchGemmCmd.Flags().Float64Var(&gemmSeconds, "seconds", 1, "seconds of timed products per size")
	benchCmd.AddCommand(benchGemmCmd)
}

// parseInts parses a comma-separated list of positive integers.
func parseInts(flag, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("--%s: %q is not a positive integer", flag, f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--%s: empty list", flag)
	}
	return out, nil
}

func runBenchGemm(cmd *cobra.Command, args []string) error {
	sizes, err := parseInts("sizes", gemmSizes)
	if err != nil {
		return err
	}
	threads, err := parseInts("threads", gemmThreads)
	if err != nil {
		return err
	}
	if !(gemmSeconds > 0) {
		return fmt.Errorf("--seconds: %v is not positive", gemmSeconds)
	}
	out := cmd.OutOrStdout()
	defer kernels.SetThreads(0)

	peerOK := !benchNoPeer
	var python, script string
	if peerOK {
		if python, script, err = peerScript("gemm.py"); err != nil {
			fmt.Fprintln(os.Stderr, "golem bench gemm: peer not run:", err)
			peerOK = false
		}
	}
	for _, t := range threads {
		kernels.SetThreads(t)
		golem := make([]float64, len(sizes))
		for i, n := range sizes {
			golem[i] = timeGemm(n, gemmSeconds)
		}
		var peer map[int]float64
		if peerOK {
			peer, err = runGemmPeer(python, script, t, sizes, gemmSeconds)
			if err != nil {
				fmt.Fprintln(os.Stderr, "golem bench gemm: peer not run:", err)
				peerOK = false
			}
		}
		for i, n := range sizes {
			r := benchResult{Bench: "gemm", Unit: "GFLOPS", Golem: golem[i],
				Extra: []kv{{"n", n}, {"threads", t}}}
			if p, ok := peer[n]; ok {
				r.Peer = &p
				r.Ratio = ratio(golem[i], &p)
			}
			printBench(out, r)
		}
	}
	return nil
}

// timeGemm returns golem's GFLOPS for C = A·B at size n: one warm-up
// product, then as many as fit in seconds (at least two).
func timeGemm(n int, seconds float64) float64 {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i] = float32(r.NormFloat64())
		b[i] = float32(r.NormFloat64())
	}
	mul := func() { kernels.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) }
	mul()
	runs := 0
	start := time.Now()
	for runs < 2 || time.Since(start).Seconds() < seconds {
		mul()
		runs++
	}
	dt := time.Since(start).Seconds() / float64(runs)
	return 2 * float64(n) * float64(n) * float64(n) / dt / 1e9
}

// runGemmPeer runs gemm.py once for thread count t and returns its GFLOPS
// by size.
func runGemmPeer(python, script string, t int, sizes []int, seconds float64) (map[int]float64, error) {
	ss := make([]string, len(sizes))
	for i, n := range sizes {
		ss[i] = strconv.Itoa(n)
	}
	c := exec.Command(python, script, "--threads", strconv.Itoa(t), "--sizes", strings.Join(ss, ","),
		"--seconds", strconv.FormatFloat(seconds, 'g', -1, 64))
	c.Env = append(os.Environ(), fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", t), fmt.Sprintf("OMP_NUM_THREADS=%d", t))
	var stderr bytes.Buffer
	c.Stderr = &stderr
	outb, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", python, script, err, firstLine(stderr.Bytes()))
	}
	res := map[int]float64{}
	sc := bufio.NewScanner(bytes.NewReader(outb))
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			N      int     `json:"n"`
			Gflops float64 `json:"gflops"`
		}
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s output line %d: %v", script, line, err)
		}
		res[rec.N] = rec.Gflops
	}
	return res, nil
}
