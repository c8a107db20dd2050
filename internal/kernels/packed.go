package kernels

import "fmt"

// PackedB is a k×n right-hand operand op(B) of Sgemm packed once into the
// blocked SGEMM's strip layout, for products with many different A: a
// model's weight matrix multiplied by a few activation rows per call, where
// packing B on every call costs as much as the product itself.
type PackedB struct {
	g      *gemmImpl
	k, n   int
	panels [][]float32 // one per (column block, k slice): column block outer
}

// PackB packs op(B) (k×n; B is n×k when transB) for SgemmPackedB. The
// result does not alias b: later changes to b are not seen.
func PackB(transB bool, k, n int, b []float32, ldb int) *PackedB {
	checkGemm(false, transB, 0, n, k, 0, max(k, 1), len(b), ldb, 0, max(n, 1))
	g := implFor(n)
	p := &PackedB{g: g, k: k, n: n}
	for jc := 0; jc < n; jc += g.nc {
		nStrips := (min(g.nc, n-jc) + g.nr - 1) / g.nr
		for pc := 0; pc < k; pc += g.kc {
			kb := min(g.kc, k-pc)
			buf := make([]float32, nStrips*kb*g.nr)
			for s := 0; s < nStrips; s++ {
				j0 := jc + s*g.nr
				packB(buf[s*kb*g.nr:(s+1)*kb*g.nr], transB, b, ldb, pc, kb, j0, min(g.nr, n-j0), g.nr)
			}
			p.panels = append(p.panels, buf)
		}
	}
	return p
}

// K and N return the shape of the packed operand.
func (p *PackedB) K() int { return p.k }
func (p *PackedB) N() int { return p.n }

// SgemmPackedB computes C = alpha·A·B + beta·C like Sgemm(false, …) with
// A m×k (row stride lda) and B the operand packed in p; C is m×n (row
// stride ldc). Large products split the columns of C over up to threads
// threads of the worker pool (threads <= 0: Threads()); threads 1 keeps
// the product on the calling goroutine, which a caller that makes many
// small products in a row may prefer to a hand-off per product.
func SgemmPackedB(threads, m int, alpha float32, a []float32, lda int, p *PackedB, beta float32, c []float32, ldc int) {
	k, n := p.k, p.n
	if m < 0 {
		panic(fmt.Sprintf("kernels.SgemmPackedB: negative m=%d", m))
	}
	checkGemm(false, false, m, n, k, len(a), lda, k*n, n, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	g := p.g
	mr := g.mr
	mStrips := (m + mr - 1) / mr
	if threads <= 0 || threads > Threads() {
		threads = Threads()
	}
	parallel := threads > 1 && m*n*k >= parallelMinWork
	if !parallel && m <= directMaxRows && g.direct != nil {
		packedDirect(g, m, alpha, a, lda, p, beta, c, ldc)
		return
	}
	mcs := mStrips // all of A at once for the column split
	if !parallel {
		mcs = min(mStrips, g.mc/mr)
	}
	ab := getBuf(&blockPool, mcs*mr*min(g.kc, k))
	defer putBuf(&blockPool, ab)
	apack := *ab
	p.panelLoop(beta, func(jc, nStrips, pc, kb int, bt float32, bpack []float32) {
		for s0 := 0; s0 < mStrips; s0 += mcs {
			s1 := min(s0+mcs, mStrips)
			for s := s0; s < s1; s++ {
				i0 := s * mr
				packA(apack[(s-s0)*kb*mr:(s-s0+1)*kb*mr], false, a, lda, pc, kb, i0, min(mr, m-i0), mr)
			}
			i0, i1 := s0*mr, min(s1*mr, m)
			if !parallel {
				macroKernel(g, i0, i1, kb, jc, 0, nStrips, n, apack, 0, 0, bpack, alpha, bt, c, ldc)
				continue
			}
			packedParallel(threads, g, i0, i1, kb, jc, nStrips, n, apack, bpack, alpha, bt, c, ldc)
		}
	})
}

// panelLoop calls fn for each packed panel of B in order: the nc-wide
// column block starting at jc (nStrips strips), the kc-deep slice starting
// at pc (kb deep), and the beta that slice applies (beta for the first
// slice, 1 after it, as the products accumulate).
func (p *PackedB) panelLoop(beta float32, fn func(jc, nStrips, pc, kb int, bt float32, bpack []float32)) {
	g := p.g
	idx := 0
	for jc := 0; jc < p.n; jc += g.nc {
		nStrips := (min(g.nc, p.n-jc) + g.nr - 1) / g.nr
		for pc := 0; pc < p.k; pc += g.kc {
			bt := beta
			if pc > 0 {
				bt = 1
			}
			fn(jc, nStrips, pc, min(g.kc, p.k-pc), bt, p.panels[idx])
			idx++
		}
	}
}

// packedParallel is SgemmPackedB's column split of one block over threads.
// (Apart, so that the serial path does not move its loop variables to the
// heap for the closure.)
func packedParallel(threads int, g *gemmImpl, i0, i1, kb, jc, nStrips, n int, apack, bpack []float32, alpha, beta float32, c []float32, ldc int) {
	chunk := max(1, nStrips/(2*threads))
	nc := (nStrips + chunk - 1) / chunk
	runChunks(min(threads, nc), nc, func(i int) {
		macroKernel(g, i0, i1, kb, jc, i*chunk, min((i+1)*chunk, nStrips), n, apack, 0, 0, bpack, alpha, beta, c, ldc)
	})
}

// directMaxRows is the most rows for which SgemmPackedB (on one thread)
// reads A in place with the direct kernels rather than packing it: for a
// few rows, as in decoding, packing A costs as much as a good part of the
// product when n is small.
var directMaxRows = 64 // a variable so tests can take either path

// packedDirect is SgemmPackedB on one thread with A read in place.
func packedDirect(g *gemmImpl, m int, alpha float32, a []float32, lda int, p *PackedB, beta float32, c []float32, ldc int) {
	p.panelLoop(beta, func(jc, nStrips, pc, kb int, bt float32, bpack []float32) {
		macroKernel(g, 0, m, kb, jc, 0, nStrips, p.n, a, lda, pc, bpack, alpha, bt, c, ldc)
	})
}
