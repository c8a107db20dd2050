//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

//go:generate sh -c "go run ./asmgen/gen.go > sgemm_amd64.s"

// Micro-kernels in sgemm_amd64.s (see microKernel for what they compute).
//
//go:noescape
func kernelAVX512_12x32(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_8x32(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)

// Edge kernels: the first h rows of the full kernel's tile, reading the
// same packed A (mr values per step).
//
//go:noescape
func kernelAVX512_8x32_1(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_8x32_2(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_8x32_3(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_8x32_4(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_8x32_5(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_8x32_6(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_8x32_7(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64_1(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64_2(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64_3(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64_4(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64_5(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16_1(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16_2(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16_3(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16_4(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16_5(k int, a, b, c *float32, ldc int, alpha, beta float32)

// Direct kernels: h rows of A read in place, lda floats apart.
//
//go:noescape
func kernelAVX512_6x64d_1(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64d_2(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64d_3(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64d_4(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64d_5(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX512_6x64d_6(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16d_1(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16d_2(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16d_3(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16d_4(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16d_5(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2_6x16d_6(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

type asmDirect func(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

type asmKernel func(k int, a, b, c *float32, ldc int, alpha, beta float32)

// wrap adapts an assembly micro-kernel to microKernel, checking that the
// slices hold what the kernel will touch.
func wrap(mr, nr int, f asmKernel) microKernel { return wrapEdge(mr, mr, nr, f) }

// wrapEdge is wrap for an edge kernel that writes h rows of C and reads
// packed A in steps of mr.
func wrapEdge(h, mr, nr int, f asmKernel) microKernel {
	return func(k int, ap, bp, c []float32, ldc int, alpha, beta float32) {
		_ = ap[k*mr-1]
		_ = bp[k*nr-1]
		_ = c[(h-1)*ldc+nr-1]
		f(k, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
	}
}

// directs returns the direct kernels of an mr×nr kernel for 1..mr rows,
// indexed by rows, checking that the slices hold what they will touch.
func directs(mr, nr int, fs ...asmDirect) []directKernel {
	d := make([]directKernel, mr+1)
	for i, f := range fs {
		h := i + 1
		d[h] = func(k int, a []float32, lda int, bp, c []float32, ldc int, alpha, beta float32) {
			_ = a[(h-1)*lda+k-1]
			_ = bp[k*nr-1]
			_ = c[(h-1)*ldc+nr-1]
			f(k, &a[0], lda, &bp[0], &c[0], ldc, alpha, beta)
		}
	}
	return d
}

// edges returns the edge kernels of an mr×nr kernel, indexed by rows.
func edges(mr, nr int, fs ...asmKernel) []microKernel {
	e := make([]microKernel, mr)
	for i, f := range fs {
		e[i+1] = wrapEdge(i+1, mr, nr, f)
	}
	return e
}

var (
	// The block sizes were tuned on a Zen 4/5-class EPYC (48 KB L1d, 1 MB
	// L2 per core) by thread CPU time at n = 256..2048; 6×64 with kc = 384
	// was at or near the top everywhere, the others within ~10%.
	avx512Impl6 = gemmImpl{name: "avx512-6x64", mr: 6, nr: 64, kc: 384, mc: 120, nc: 2048,
		kern:   wrap(6, 64, kernelAVX512_6x64),
		edge:   edges(6, 64, kernelAVX512_6x64_1, kernelAVX512_6x64_2, kernelAVX512_6x64_3, kernelAVX512_6x64_4, kernelAVX512_6x64_5),
		direct: directs(6, 64, kernelAVX512_6x64d_1, kernelAVX512_6x64d_2, kernelAVX512_6x64d_3, kernelAVX512_6x64d_4, kernelAVX512_6x64d_5, kernelAVX512_6x64d_6)}
	avx512Impl8 = gemmImpl{name: "avx512-8x32", mr: 8, nr: 32, kc: 384, mc: 128, nc: 2048,
		kern: wrap(8, 32, kernelAVX512_8x32),
		edge: edges(8, 32, kernelAVX512_8x32_1, kernelAVX512_8x32_2, kernelAVX512_8x32_3, kernelAVX512_8x32_4, kernelAVX512_8x32_5, kernelAVX512_8x32_6, kernelAVX512_8x32_7)}
	avx512Impl12 = gemmImpl{name: "avx512-12x32", mr: 12, nr: 32, kc: 256, mc: 120, nc: 2048,
		kern: wrap(12, 32, kernelAVX512_12x32)}
	avx2Impl = gemmImpl{name: "avx2-6x16", mr: 6, nr: 16, kc: 384, mc: 120, nc: 2048,
		kern:   wrap(6, 16, kernelAVX2_6x16),
		edge:   edges(6, 16, kernelAVX2_6x16_1, kernelAVX2_6x16_2, kernelAVX2_6x16_3, kernelAVX2_6x16_4, kernelAVX2_6x16_5),
		direct: directs(6, 16, kernelAVX2_6x16d_1, kernelAVX2_6x16d_2, kernelAVX2_6x16d_3, kernelAVX2_6x16d_4, kernelAVX2_6x16d_5, kernelAVX2_6x16d_6)}
)

var (
	hasAVX512 = cpu.X86.HasAVX512F
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// bestImpl is the SGEMM implementation Sgemm uses on this CPU.
var bestImpl = func() gemmImpl {
	switch {
	case hasAVX512:
		return avx512Impl6
	case hasAVX2:
		return avx2Impl
	}
	return goImpl
}()

// implFor returns the implementation for a C with n columns: the 32-wide
// AVX-512 tile when n <= 32, where the 64-wide one would compute mostly
// padding (attention heads, narrow layers).
func implFor(n int) *gemmImpl {
	if hasAVX512 && n <= 32 {
		return &avx512Impl8
	}
	return &bestImpl
}

// gemmImpls lists every SGEMM implementation this build and CPU can run,
// for tests and benchmarks.
func gemmImpls() []*gemmImpl {
	s := []*gemmImpl{&goImpl}
	if hasAVX2 {
		s = append(s, &avx2Impl)
	}
	if hasAVX512 {
		s = append(s, &avx512Impl6, &avx512Impl8, &avx512Impl12)
	}
	return s
}
