package kernels

import (
	"fmt"
	"sync"
)

// The blocked SGEMM, after GotoBLAS and BLIS. For each nc-wide column block
// of op(B) and each kc-deep slice of the k dimension, the kc×nc panel of B
// is packed into nr-wide strips (kc×nr each, contiguous); then for each
// mc-tall row block of op(A), the mc×kc block of A is packed into mr-tall
// strips (kc×mr each). The micro-kernel multiplies one A strip by one B
// strip into an mr×nr tile of C held in registers. The B strip (kc·nr
// floats) stays in L1 while the A strips stream past it from L2; the packed
// B panel lives in L2/L3.
//
// Threads share the packed B panel (each packs a part of it) and split the
// row blocks of C between them; each thread packs its own A blocks. When C
// has too few rows for that, A is packed once and the threads split the
// columns of C instead.

// microKernel computes, for one mr×nr tile,
//
//	C = alpha·Ap·Bp + beta·C   (C not read when beta == 0)
//
// where ap is a packed A strip (k steps of mr values), bp a packed B strip
// (k steps of nr values), and C starts at c[0] with row stride ldc.
type microKernel func(k int, ap, bp, c []float32, ldc int, alpha, beta float32)

// gemmImpl is one SGEMM implementation: a micro-kernel, its tile shape and
// the cache blocking that suits it.
type gemmImpl struct {
	name       string
	mr, nr     int
	kc, mc, nc int // mc is a multiple of mr, nc a multiple of nr
	kern       microKernel
	// edge[h], when set, computes the first h < mr rows of kern's tile
	// from the same packed A: the last strip of an m that is not a
	// multiple of mr then costs h rows, not mr.
	edge []microKernel
	// direct[h], when set, computes h <= mr rows of the tile reading A in
	// place (see SgemmPackedB).
	direct []directKernel
}

// directKernel is a micro-kernel that reads h rows of A in place, lda
// apart, instead of a packed strip: C[h×nr] = alpha·A[h×k]·B + beta·C.
type directKernel func(k int, a []float32, lda int, bp, c []float32, ldc int, alpha, beta float32)

// parallelMinWork is the m·n·k below which Sgemm stays on one thread: a
// parallel call costs a few microseconds of hand-off, which a product this
// small does not win back. (Measured on 2 threads: n=128 took 150 GFLOPS on
// one thread, 95-105 on two; n=192 and 224 were even; n=256 gained 15%.)
// (A variable so tests can lower it.)
var parallelMinWork = 224 * 224 * 224

// sgemm is the entry point behind Sgemm, with shapes already checked and
// m, n > 0.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m <= gemvMaxRows && k > 0 && alpha != 0 {
		gemv(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	sgemmWith(implFor(n), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemvMaxRows is the most rows of C that skip packing. With one or two
// rows (batch-1 decoding: x·Wᵀ) the product is bound by reading B, and
// packing B would read and write it once more; these rows are computed
// straight from B with the row kernels.
const gemvMaxRows = 2

// gemv computes C = alpha·op(A)·op(B) + beta·C for m <= gemvMaxRows by
// streaming B: dot products against rows of B when it is transposed, AXPYs
// of rows of B into C otherwise. Large products split the columns of C
// over the worker pool.
func gemv(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var rowsBuf [gemvMaxRows][]float32
	for i := 0; i < m; i++ {
		if transA { // gather column i of A
			r := make([]float32, k)
			for p := range r {
				r[p] = a[p*lda+i]
			}
			rowsBuf[i] = r
		} else {
			rowsBuf[i] = a[i*lda : i*lda+k]
		}
	}
	rows := rowsBuf[:m]
	work := func(lo, hi int) {
		for i, ar := range rows {
			cr := c[i*ldc+lo : i*ldc+hi]
			if transB {
				for j := lo; j < hi; j++ {
					d := alpha * Dot(ar, b[j*ldb:j*ldb+k])
					if beta == 0 {
						cr[j-lo] = d
					} else {
						cr[j-lo] = d + beta*cr[j-lo]
					}
				}
				continue
			}
			switch beta {
			case 0:
				clear(cr)
			case 1:
			default:
				Scale(beta, cr)
			}
			for p, av := range ar {
				Axpy(alpha*av, b[p*ldb+lo:p*ldb+hi], cr)
			}
		}
	}
	if Threads() > 1 && m*n*k >= parallelMinWork && n >= 128 {
		parallelChunks(n, max(64, roundUp(n/(4*Threads()), 16)), work)
	} else {
		work(0, n)
	}
}

// Packing buffers, recycled between calls: one pool for B panels and one
// for A blocks and scratch tiles, so that a small request does not take a
// large buffer that the next large request then has to allocate again.
var panelPool, blockPool sync.Pool // *[]float32

func getBuf(pool *sync.Pool, n int) *[]float32 {
	if p, ok := pool.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

func putBuf(pool *sync.Pool, p *[]float32) { pool.Put(p) }

// gemmJob carries one Sgemm call through the blocking loops. Its methods
// are the units of work that the threads share.
type gemmJob struct {
	g              *gemmImpl
	transA, transB bool
	m, n           int
	alpha, beta    float32 // beta of the current kc slice: 1 after the first
	a, b, c        []float32
	lda, ldb, ldc  int

	jc, pc, kb, nStrips int
	bpack               []float32 // the packed kc×nc panel of B
	apack               []float32 // all of A packed (column split), or the serial A block
}

// packBStrips packs strips [lo,hi) of the current B panel.
func (j *gemmJob) packBStrips(lo, hi int) {
	nr, kb := j.g.nr, j.kb
	for s := lo; s < hi; s++ {
		j0 := j.jc + s*nr
		packB(j.bpack[s*kb*nr:(s+1)*kb*nr], j.transB, j.b, j.ldb, j.pc, kb, j0, min(nr, j.n-j0), nr)
	}
}

// packAStrips packs strips [lo,hi) of the current kc slice of A into dst.
func (j *gemmJob) packAStrips(dst []float32, lo, hi int) {
	mr, kb := j.g.mr, j.kb
	if j.transA {
		packAT(dst, j.a, j.lda, j.pc, kb, lo*mr, min(hi*mr, j.m), mr)
		return
	}
	for s := lo; s < hi; s++ {
		i0 := s * mr
		packA(dst[(s-lo)*kb*mr:(s-lo+1)*kb*mr], j.transA, j.a, j.lda, j.pc, kb, i0, min(mr, j.m-i0), mr)
	}
}

// rowBlock packs A strips [lo,hi) (into j.apack when set, else a pooled
// buffer) and multiplies them by the whole B panel.
func (j *gemmJob) rowBlock(lo, hi int) {
	mr := j.g.mr
	if !j.transA && j.g.direct != nil && directA {
		macroKernel(j.g, lo*mr, min(hi*mr, j.m), j.kb, j.jc, 0, j.nStrips, j.n, j.a, j.lda, j.pc, j.bpack, j.alpha, j.beta, j.c, j.ldc)
		return
	}
	buf := j.apack
	var pooled *[]float32
	if buf == nil {
		pooled = getBuf(&blockPool, (hi-lo)*mr*j.kb)
		buf = *pooled
	}
	j.packAStrips(buf, lo, hi)
	macroKernel(j.g, lo*mr, min(hi*mr, j.m), j.kb, j.jc, 0, j.nStrips, j.n, buf, 0, 0, j.bpack, j.alpha, j.beta, j.c, j.ldc)
	if pooled != nil {
		putBuf(&blockPool, pooled)
	}
}

// colStrips multiplies all of A (packed in j.apack) by B strips [lo,hi).
func (j *gemmJob) colStrips(lo, hi int) {
	macroKernel(j.g, 0, j.m, j.kb, j.jc, lo, hi, j.n, j.apack, 0, 0, j.bpack, j.alpha, j.beta, j.c, j.ldc)
}

func sgemmWith(g *gemmImpl, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	mr, nr := g.mr, g.nr
	ncb := min(g.nc, roundUp(n, nr))
	kcb := min(g.kc, k)
	mStrips := (m + mr - 1) / mr
	job := gemmJob{g: g, transA: transA, transB: transB, m: m, n: n, alpha: alpha,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc}
	bp := getBuf(&panelPool, kcb*ncb)
	defer putBuf(&panelPool, bp)
	job.bpack = *bp

	if Threads() > 1 && m*n*k >= parallelMinWork {
		sgemmParallel(&job, k, beta, mStrips)
		return
	}
	// One thread: no closures, one A block buffer.
	mcs := g.mc / mr
	ab := getBuf(&blockPool, min(mcs, mStrips)*mr*kcb)
	defer putBuf(&blockPool, ab)
	job.apack = *ab
	for job.jc = 0; job.jc < n; job.jc += g.nc {
		job.nStrips = (min(g.nc, n-job.jc) + nr - 1) / nr
		for job.pc = 0; job.pc < k; job.pc += g.kc {
			job.kb = min(g.kc, k-job.pc)
			job.beta = beta
			if job.pc > 0 {
				job.beta = 1
			}
			job.packBStrips(0, job.nStrips)
			for s0 := 0; s0 < mStrips; s0 += mcs {
				job.rowBlock(s0, min(s0+mcs, mStrips))
			}
		}
	}
}

// sgemmParallel runs the blocking loops with the packing of each B panel
// and the row blocks (or, for short C, the column strips) shared out on the
// worker pool in chunks.
func sgemmParallel(j0 *gemmJob, k int, beta float32, mStrips int) {
	j := new(gemmJob)
	*j = *j0
	g, mr, t := j.g, j.g.mr, Threads()
	// Split rows when each thread gets at least two strips; otherwise pack
	// all of A once per slice and split the columns.
	splitN := mStrips < 2*t
	if splitN {
		ap := getBuf(&blockPool, mStrips*mr*min(g.kc, k))
		defer putBuf(&blockPool, ap)
		j.apack = *ap
	}
	// Row blocks of at most mc rows, at least four per thread when C is
	// short, claimed by the threads as they go.
	rowChunk := min(g.mc/mr, max(1, mStrips/(4*t)))
	for j.jc = 0; j.jc < j.n; j.jc += g.nc {
		j.nStrips = (min(g.nc, j.n-j.jc) + g.nr - 1) / g.nr
		colChunk := max(1, j.nStrips/(4*t))
		for j.pc = 0; j.pc < k; j.pc += g.kc {
			j.kb = min(g.kc, k-j.pc)
			j.beta = beta
			if j.pc > 0 {
				j.beta = 1
			}
			parallelChunks(j.nStrips, colChunk, j.packBStrips)
			if splitN {
				j.packAStrips(j.apack, 0, mStrips)
				parallelChunks(j.nStrips, colChunk, j.colStrips)
				continue
			}
			parallelChunks(mStrips, rowChunk, j.rowBlock)
		}
	}
}

// macroKernel runs the micro-kernels over rows [i0,i1) of C and B strips
// [s0,s1) of the panel starting at column jc. A is packed in a from strip
// 0 when lda is 0; with lda > 0 it is read in place by the direct kernels,
// its rows lda apart, from column pc. Tiles that overhang C's last columns
// go through a scratch tile.
func macroKernel(g *gemmImpl, i0, i1, kb, jc, s0, s1, n int, a []float32, lda, pc int, bpack []float32, alpha, beta float32, c []float32, ldc int) {
	mr, nr := g.mr, g.nr
	var tmp *[]float32 // the scratch tile, taken when first needed
	for s := s0; s < s1; s++ {
		j := jc + s*nr
		nw := min(nr, n-j)
		bs := bpack[s*kb*nr : (s+1)*kb*nr]
		for i := i0; i < i1; i += mr {
			mh := min(mr, i1-i)
			ci := c[i*ldc+j:]
			if lda > 0 {
				ai := a[i*lda+pc:]
				if nw == nr {
					g.direct[mh](kb, ai, lda, bs, ci, ldc, alpha, beta)
					continue
				}
				if tmp == nil {
					tmp = getBuf(&blockPool, mr*nr)
				}
				g.direct[mh](kb, ai, lda, bs, *tmp, nr, alpha, 0)
			} else {
				as := a[(i-i0)*kb : (i-i0+mr)*kb]
				if nw == nr {
					if mh == mr {
						g.kern(kb, as, bs, ci, ldc, alpha, beta)
						continue
					}
					if g.edge != nil && g.edge[mh] != nil {
						g.edge[mh](kb, as, bs, ci, ldc, alpha, beta)
						continue
					}
				}
				if tmp == nil {
					tmp = getBuf(&blockPool, mr*nr)
				}
				g.kern(kb, as, bs, *tmp, nr, alpha, 0)
			}
			addTile(ci, ldc, *tmp, nr, mh, nw, beta)
		}
	}
	if tmp != nil {
		putBuf(&blockPool, tmp)
	}
}

// directA makes Sgemm read a non-transposed A in place with the direct
// kernels instead of packing it (a variable so tests take both paths).
var directA = true

// addTile sets the h×w corner of C (row stride ldc) to tile + beta·C, the
// tile's rows nr apart: the edge of C that a full-size micro-kernel tile
// overhangs, computed into a scratch tile first.
func addTile(c []float32, ldc int, tile []float32, nr, h, w int, beta float32) {
	for r := 0; r < h; r++ {
		cr := c[r*ldc : r*ldc+w]
		tr := tile[r*nr : r*nr+w]
		if beta == 0 {
			copy(cr, tr)
			continue
		}
		for q, v := range tr {
			cr[q] = v + beta*cr[q]
		}
	}
}

// packB copies op(B)[pc:pc+kb, j0:j0+w] into dst as kb rows of nr values,
// zero-padding columns w..nr-1.
func packB(dst []float32, transB bool, b []float32, ldb, pc, kb, j0, w, nr int) {
	dst = dst[:kb*nr]
	if !transB {
		for p := 0; p < kb; p++ {
			d := dst[p*nr : (p+1)*nr]
			copy(d, b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+w])
			clear(d[w:])
		}
		return
	}
	// op(B) = Bᵀ: a transpose. Whole 8×8 blocks in assembly where there is
	// some, then the rest (or all) in Go.
	if w < nr {
		for p := 0; p < kb; p++ {
			clear(dst[p*nr+w : (p+1)*nr])
		}
	}
	j8, p8 := 0, 0
	if transposePanel(dst, nr, b[j0*ldb+pc:], ldb, kb/8, w/8) {
		j8, p8 = w/8*8, kb/8*8
	}
	packBT(dst, b, ldb, pc, j0, nr, j8, w, 0, kb)  // rows the blocks left out
	packBT(dst, b, ldb, pc, j0, nr, 0, j8, p8, kb) // steps the blocks left out
}

// packBT packs rows [jLo, jHi) of the transposed B strip at j0, steps
// [pLo, pHi) of k from pc, into dst (stride nr), in Go: tiles of 16 steps
// so that the rows of dst being written stay in L1, eight rows of B at a
// time so that the stores of a step are contiguous.
func packBT(dst, b []float32, ldb, pc, j0, nr, jLo, jHi, pLo, pHi int) {
	const tile = 16
	for p0 := pLo; p0 < pHi; p0 += tile {
		pn := min(tile, pHi-p0)
		jj := jLo
		for ; jj+8 <= jHi; jj += 8 {
			o := (j0+jj)*ldb + pc + p0
			s0 := b[o : o+pn]
			s1 := b[o+ldb : o+ldb+pn]
			s2 := b[o+2*ldb : o+2*ldb+pn]
			s3 := b[o+3*ldb : o+3*ldb+pn]
			s4 := b[o+4*ldb : o+4*ldb+pn]
			s5 := b[o+5*ldb : o+5*ldb+pn]
			s6 := b[o+6*ldb : o+6*ldb+pn]
			s7 := b[o+7*ldb : o+7*ldb+pn]
			for q := range s0 {
				d := dst[(p0+q)*nr+jj : (p0+q)*nr+jj+8 : (p0+q)*nr+jj+8]
				d[0], d[1], d[2], d[3] = s0[q], s1[q], s2[q], s3[q]
				d[4], d[5], d[6], d[7] = s4[q], s5[q], s6[q], s7[q]
			}
		}
		for ; jj < jHi; jj++ {
			src := b[(j0+jj)*ldb+pc+p0 : (j0+jj)*ldb+pc+p0+pn]
			d := dst[p0*nr+jj:]
			for q, v := range src {
				d[q*nr] = v
			}
		}
	}
}

// packA copies op(A)[i0:i0+h, pc:pc+kb] into dst as kb columns of mr
// values, zero-padding rows h..mr-1.
func packA(dst []float32, transA bool, a []float32, lda, pc, kb, i0, h, mr int) {
	dst = dst[:kb*mr]
	if transA {
		packAT(dst, a, lda, pc, kb, i0, i0+h, mr)
		return
	}
	if h == 6 && mr == 6 {
		r0 := a[i0*lda+pc : i0*lda+pc+kb]
		r1 := a[(i0+1)*lda+pc : (i0+1)*lda+pc+kb]
		r2 := a[(i0+2)*lda+pc : (i0+2)*lda+pc+kb]
		r3 := a[(i0+3)*lda+pc : (i0+3)*lda+pc+kb]
		r4 := a[(i0+4)*lda+pc : (i0+4)*lda+pc+kb]
		r5 := a[(i0+5)*lda+pc : (i0+5)*lda+pc+kb]
		for p := range r0 {
			d := dst[p*6 : p*6+6 : p*6+6]
			d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
		}
		return
	}
	if h == 8 && mr == 8 {
		r0 := a[i0*lda+pc : i0*lda+pc+kb]
		r1 := a[(i0+1)*lda+pc : (i0+1)*lda+pc+kb]
		r2 := a[(i0+2)*lda+pc : (i0+2)*lda+pc+kb]
		r3 := a[(i0+3)*lda+pc : (i0+3)*lda+pc+kb]
		r4 := a[(i0+4)*lda+pc : (i0+4)*lda+pc+kb]
		r5 := a[(i0+5)*lda+pc : (i0+5)*lda+pc+kb]
		r6 := a[(i0+6)*lda+pc : (i0+6)*lda+pc+kb]
		r7 := a[(i0+7)*lda+pc : (i0+7)*lda+pc+kb]
		for p := range r0 {
			d := dst[p*8 : p*8+8 : p*8+8]
			d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
			d[4], d[5], d[6], d[7] = r4[p], r5[p], r6[p], r7[p]
		}
		return
	}
	if h < mr {
		clear(dst) // the padding rows, in one pass
	}
	for ii := 0; ii < h; ii++ {
		src := a[(i0+ii)*lda+pc : (i0+ii)*lda+pc+kb]
		d := dst[ii:]
		for p, v := range src {
			d[p*mr] = v
		}
	}
}

// packAT packs rows [r0,r1) of op(A) = Aᵀ, steps pc..pc+kb of k, into
// consecutive strips of kb columns of mr values, zero-padding the last
// strip's missing rows. Each step of a strip is mr contiguous values of a
// row of A, so a strip is kb groups copied with one masked load and store
// each (copyGroups); its rows of A stay in cache for the next strips.
// (Copying with a memmove call per group cost as much as the product of
// a weight gradient.)
func packAT(dst, a []float32, lda, pc, kb, r0, r1, mr int) {
	n := r1 - r0
	for s := 0; s*mr < n; s++ {
		h := min(mr, n-s*mr)
		d := dst[s*kb*mr : (s+1)*kb*mr]
		if h < mr {
			clear(d) // the padding rows
		}
		copyGroups(d, mr, a[pc*lda+r0+s*mr:], lda, kb, h)
	}
}

// copyGroups copies n groups of w floats (1 ≤ w ≤ 16), src[i·srcStride:][:w]
// to dst[i·dstStride:][:w]: one masked load and store per group with
// AVX-512, else in Go. It panics unless the groups lie within dst and src
// (the assembly trusts it).
func copyGroups(dst []float32, dstStride int, src []float32, srcStride, n, w int) {
	if n <= 0 {
		return
	}
	if w < 1 || w > 16 || dstStride < w || srcStride < w ||
		(n-1)*dstStride+w > len(dst) || (n-1)*srcStride+w > len(src) {
		panic(fmt.Sprintf("kernels: copyGroups of %d groups of %d (strides %d, %d) over %d and %d floats", n, w, dstStride, srcStride, len(dst), len(src)))
	}
	if !copyGroupsAsm(dst, dstStride, src, srcStride, n, w) {
		copyGroupsGo(dst, dstStride, src, srcStride, n, w)
	}
}

// transposePanel packs the transposed B panel's whole 8×8 blocks, rows
// [0, 8·w8) of src (stride ldb) and steps [0, 8·kb8), into dst (stride nr),
// and reports whether it did (only in assembly: the Go packing does the
// whole panel otherwise). It panics unless the blocks lie within src and dst.
func transposePanel(dst []float32, nr int, src []float32, ldb, kb8, w8 int) bool {
	if kb8 <= 0 || w8 <= 0 {
		return false
	}
	if (8*w8-1)*ldb+8*kb8 > len(src) || (8*kb8-1)*nr+8*w8 > len(dst) || ldb < 8*kb8 || nr < 8*w8 {
		panic(fmt.Sprintf("kernels: transposePanel of %d×%d blocks (ldb %d, nr %d) over %d and %d floats", w8, kb8, ldb, nr, len(src), len(dst)))
	}
	return transposePanelAsm(dst, nr, src, ldb, kb8, w8)
}

// copyGroupsGo is copyGroups in Go.
func copyGroupsGo(dst []float32, dstStride int, src []float32, srcStride, n, w int) {
	for i := range n {
		d := dst[i*dstStride : i*dstStride+w]
		for j, v := range src[i*srcStride : i*srcStride+w] {
			d[j] = v
		}
	}
}

// scaleC sets C = beta·C, writing zeros (not reading C) when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }
