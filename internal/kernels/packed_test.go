package kernels

import "testing"

// packedThreads is the threads argument sgemmViaPacked passes.
var packedThreads int

// sgemmViaPacked is Sgemm with B packed by PackB (A not transposed).
func sgemmViaPacked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if transA {
		panic("sgemmViaPacked: transA")
	}
	p := PackB(transB, k, n, b, ldb)
	if p.K() != k || p.N() != n {
		panic("sgemmViaPacked: PackB shape")
	}
	SgemmPackedB(packedThreads, m, alpha, a, lda, p, beta, c, ldc)
}

func TestSgemmPackedB(t *testing.T) {
	cases := gemmCases()
	cases = append(cases,
		gemmCase{m: 16, n: 384, k: 128, alpha: 1},                                // a decode step's qkv at baby size
		gemmCase{m: 13, n: 130, k: 500, alpha: 1, beta: 0.5, padA: 3},            // several k slices
		gemmCase{transB: true, m: 7, n: 2100, k: 20, alpha: -1, padC: 2},         // several column blocks
		gemmCase{transB: true, m: 130, n: 40, k: 33, alpha: 2, beta: 1, padB: 1}, // several row blocks
	)
	old, oldDirect := parallelMinWork, directMaxRows
	defer func() { parallelMinWork, packedThreads, directMaxRows = old, 0, oldDirect }()
	// Default split, then every size split (threads 0) or kept serial (1),
	// reading A in place for few rows or always packing it.
	for _, run := range []struct{ minWork, threads, direct int }{{old, 0, oldDirect}, {1, 0, oldDirect}, {1, 1, oldDirect}, {1, 1, 0}, {old, 1, 1 << 30}} {
		parallelMinWork, packedThreads, directMaxRows = run.minWork, run.threads, run.direct
		for _, tc := range cases {
			if tc.transA {
				continue
			}
			runGemmCase(t, tc, sgemmViaPacked)
		}
	}
}

func TestSgemmPackedBPanicsOnShortC(t *testing.T) {
	p := PackB(false, 4, 5, make([]float32, 20), 5)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short C")
		}
	}()
	SgemmPackedB(0, 3, 1, make([]float32, 12), 4, p, 0, make([]float32, 14), 5)
}
