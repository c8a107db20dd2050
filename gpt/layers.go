package gpt

import (
	"math"

	"github.com/golemml/golem/internal/kernels"
)

// The layers, llm.c style: each a forward/backward pair over flat float32
// slices, with the shapes in the comment. N is the number of rows (B·T).
// Backward functions accumulate (+=) into parameter gradients; activation
// gradients are written or accumulated as each comment says.
//
// Row-parallel loops run on kernels' worker pool through work.parallel,
// which hands each thread one chunk of rows. The jobs' arguments live in
// the work struct so that a parallel loop allocates nothing.

// encoderForward: out is (B,T,C) = wte[tokens] + wpe[t]; wte is (V,C), wpe is (maxT,C).
func encoderForward(out []float32, tokens []int, wte, wpe []float32, B, T, C int) {
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			o := out[(b*T+t)*C : (b*T+t+1)*C]
			tok := tokens[b*T+t]
			copy(o, wte[tok*C:(tok+1)*C])
			kernels.Axpy(1, wpe[t*C:(t+1)*C], o)
		}
	}
}

// encoderBackward: dwte += dout rows by token, dwpe += dout rows by position; dout is (B,T,C).
func encoderBackward(dwte, dwpe, dout []float32, tokens []int, B, T, C int) {
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			d := dout[(b*T+t)*C : (b*T+t+1)*C]
			tok := tokens[b*T+t]
			kernels.Axpy(1, d, dwte[tok*C:(tok+1)*C])
			kernels.Axpy(1, d, dwpe[t*C:(t+1)*C])
		}
	}
}

// layernormForward: inp and out are (N,C); mean and rstd are (N); w and b
// are (C), b may be nil.
func layernormForward(wk *work, out, mean, rstd, inp, w, b []float32, N, C int) {
	wk.ln = lnJob{out: out, mean: mean, rstd: rstd, inp: inp, w: w, b: b, C: C}
	wk.parallel(N, &wk.ln)
}

type lnJob struct {
	out, mean, rstd, inp, w, b []float32
	C                          int
}

func (j *lnJob) run(_, lo, hi int) {
	C := j.C
	for r := lo; r < hi; r++ {
		j.mean[r], j.rstd[r] = kernels.LayerNorm(j.out[r*C:(r+1)*C], j.inp[r*C:(r+1)*C], j.w, j.b, lnEps)
	}
}

// layernormBackward: dinp += ∂L/∂inp, dw += Σ dout·x̂, db += Σ dout
// (db may be nil); dout and inp are (N,C).
func layernormBackward(wk *work, dinp, dw, db, dout, inp, w, mean, rstd []float32, N, C int) {
	nt := wk.chunks(N)
	part := wk.scratch(&wk.lnPart, nt*2*C)
	clear(part)
	wk.lnb = lnbJob{dinp: dinp, dout: dout, inp: inp, w: w, mean: mean, rstd: rstd, part: part, C: C, bias: db != nil}
	wk.parallel(N, &wk.lnb)
	for c := 0; c < nt; c++ {
		p := part[c*2*C : (c+1)*2*C]
		kernels.Axpy(1, p[:C], dw)
		if db != nil {
			kernels.Axpy(1, p[C:], db)
		}
	}
}

type lnbJob struct {
	dinp, dout, inp, w, mean, rstd, part []float32
	C                                    int
	bias                                 bool
}

func (j *lnbJob) run(c, lo, hi int) {
	C := j.C
	p := j.part[c*2*C : (c+1)*2*C]
	dw, db := p[:C], p[C:]
	if !j.bias {
		db = nil
	}
	for r := lo; r < hi; r++ {
		kernels.LayerNormBackward(j.dinp[r*C:(r+1)*C], dw, db, j.dout[r*C:(r+1)*C], j.inp[r*C:(r+1)*C], j.w, j.mean[r], j.rstd[r])
	}
}

// matmulForward: inp is (N,C), weight is (OC,C), bias is (OC) or nil, out is (N,OC).
func matmulForward(wk *work, out, inp, weight, bias []float32, N, C, OC int) {
	beta := float32(0)
	if bias != nil {
		wk.bias = biasJob{out: out, bias: bias}
		wk.parallel(N, &wk.bias)
		beta = 1
	}
	kernels.Sgemm(false, true, N, OC, C, 1, inp, C, weight, C, beta, out, OC)
}

// biasJob fills each row of out (N,OC) with bias (OC).
type biasJob struct{ out, bias []float32 }

func (j *biasJob) run(_, lo, hi int) {
	OC := len(j.bias)
	for r := lo; r < hi; r++ {
		copy(j.out[r*OC:(r+1)*OC], j.bias)
	}
}

// matmulBackward: dinp (N,C) = dout·weight (overwritten; skipped when nil),
// dweight (OC,C) += doutᵀ·inp, dbias (OC) += Σ rows of dout (when not nil).
func matmulBackward(wk *work, dinp, dweight, dbias, dout, inp, weight []float32, N, C, OC int) {
	if dinp != nil {
		kernels.Sgemm(false, false, N, C, OC, 1, dout, OC, weight, C, 0, dinp, C)
	}
	kernels.Sgemm(true, false, OC, C, N, 1, dout, OC, inp, C, 1, dweight, C)
	if dbias != nil {
		// parallel over column ranges of dout, each summing its rows
		wk.colsum = colsumJob{sum: dbias, x: dout, N: N, C: OC}
		wk.parallel((OC+15)/16, &wk.colsum)
	}
}

type colsumJob struct {
	sum, x []float32
	N, C   int
}

func (j *colsumJob) run(_, lo, hi int) {
	a, b := lo*16, min(hi*16, j.C)
	s := j.sum[a:b]
	for r := 0; r < j.N; r++ {
		kernels.Axpy(1, j.x[r*j.C+a:r*j.C+b], s)
	}
}

// geluForward: out and inp are (N,D); GELU with the tanh approximation.
func geluForward(wk *work, out, inp []float32, N, D int) {
	wk.gelu = geluJob{out: out, inp: inp, D: D}
	wk.parallel(N, &wk.gelu)
}

// geluBackward: dinp (N,D) = GELU'(inp)·dout (overwritten).
func geluBackward(wk *work, dinp, inp, dout []float32, N, D int) {
	wk.gelu = geluJob{out: dinp, inp: inp, dout: dout, D: D, back: true}
	wk.parallel(N, &wk.gelu)
}

type geluJob struct {
	out, inp, dout []float32
	D              int
	back           bool
}

func (j *geluJob) run(_, lo, hi int) {
	a, b := lo*j.D, hi*j.D
	if j.back {
		clear(j.out[a:b])
		kernels.GELUBackward(j.out[a:b], j.dout[a:b], j.inp[a:b])
		return
	}
	kernels.GELU(j.out[a:b], j.inp[a:b])
}

// residualForward: out = a + dropout(b), all (N,C); drop describes the
// dropout mask (none when drop.p == 0).
func residualForward(wk *work, out, a, b []float32, drop dropout, N, C int) {
	wk.res = resJob{out: out, a: a, b: b, drop: drop, C: C}
	wk.parallel(N, &wk.res)
}

type resJob struct {
	out, a, b []float32
	drop      dropout
	C         int
}

func (j *resJob) run(_, lo, hi int) {
	s, e := lo*j.C, hi*j.C
	out, b := j.out[s:e], j.b[s:e]
	if j.a == nil { // dropout alone (the backward pass)
		for i := range out {
			out[i] = j.drop.apply(uint64(s+i), b[i])
		}
		return
	}
	a := j.a[s:e]
	if j.drop.p == 0 {
		for i := range out {
			out[i] = a[i] + b[i]
		}
		return
	}
	for i := range out {
		out[i] = a[i] + j.drop.apply(uint64(s+i), b[i])
	}
}

// dropoutApply: out (N,C) = mask·scale·inp, the forward of dropout and,
// with the same mask, its backward; out may be inp.
func dropoutApply(wk *work, out, inp []float32, drop dropout, N, C int) {
	wk.res = resJob{out: out, b: inp, drop: drop, C: C}
	wk.parallel(N, &wk.res)
}

// dropout is a deterministic mask: element i of a stream is kept when a
// hash of (key, i) is at least p·2³², and kept values are scaled by
// 1/(1-p). Backward passes recompute the mask instead of storing it.
type dropout struct {
	p     float32
	key   uint64
	thr   uint32
	scale float32
}

func newDropout(p float32, seed, step uint64, site int) dropout {
	if p == 0 {
		return dropout{}
	}
	return dropout{p: p, key: mix64(seed ^ mix64(step*0x9E3779B97F4A7C15+uint64(site))), thr: uint32(float64(p) * (1 << 32)), scale: 1 / (1 - p)}
}

func (d dropout) keep(i uint64) bool { return uint32(mix64(d.key+i*0x9E3779B97F4A7C15)>>32) >= d.thr }

func (d dropout) apply(i uint64, v float32) float32 {
	if d.keep(i) {
		return v * d.scale
	}
	return 0
}

// mix64 is splitmix64's finalizer.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// attnBlock is the number of query rows attention handles at a time: its
// scratch is attnBlock×(keys) scores, never the whole T×T matrix.
const attnBlock = 128

// attentionForward: qkv is (B,T,3C) holding q, k, v side by side; out is
// (B,T,C); lse is (B,NH,T), the log-sum-exp of each query row's scaled
// scores, which the backward pass uses to recompute probabilities.
// Causal: query t attends to keys 0..t. Parallel over (b, head).
func attentionForward(wk *work, out, lse, qkv []float32, drop dropout, B, T, C, NH int) {
	nt := wk.chunks(B * NH)
	wk.attn = attnJob{out: out, lse: lse, qkv: qkv, drop: drop, T: T, C: C, NH: NH,
		s: wk.scratch(&wk.attnS, nt*attnBlock*T)}
	wk.parallel(B*NH, &wk.attn)
}

type attnJob struct {
	out, lse, qkv []float32
	drop          dropout
	T, C, NH      int
	s             []float32
}

func (j *attnJob) run(c, lo, hi int) {
	T, C, hs := j.T, j.C, j.C/j.NH
	S := j.s[c*attnBlock*T : (c+1)*attnBlock*T]
	for bh := lo; bh < hi; bh++ {
		b, h := bh/j.NH, bh%j.NH
		base := b * T * 3 * C
		attendHead(j.out[b*T*C+h*hs:], C, j.lse[bh*T:(bh+1)*T],
			j.qkv[base+h*hs:], 3*C, j.qkv[base+C+h*hs:], j.qkv[base+2*C+h*hs:], 3*C,
			T, 0, hs, S, j.drop, uint64(bh*T))
	}
}

// attendHead runs causal attention for one head: nq queries at positions
// p0..p0+nq-1 (q rows with stride ldq) over keys and values at positions
// 0..p0+nq-1 (rows with stride ldkv); out gets nq rows (stride ldo), lse
// the nq log-sum-exps (may be nil). S is attnBlock×(p0+nq) scratch. With
// dropout, the mask of query row i, key j is element (row0+i)·Tk + j of
// drop's stream, Tk = p0+nq.
func attendHead(out []float32, ldo int, lse []float32, q []float32, ldq int, k, v []float32, ldkv int, nq, p0, hs int, S []float32, drop dropout, row0 uint64) {
	scale := float32(1 / math.Sqrt(float64(hs)))
	Tk := p0 + nq
	for i0 := 0; i0 < nq; i0 += attnBlock {
		i1 := min(i0+attnBlock, nq)
		nk := p0 + i1 // keys this block of queries can see
		// S = scale·Q·Kᵀ, (i1-i0)×nk
		kernels.Sgemm(false, true, i1-i0, nk, hs, scale, q[i0*ldq:], ldq, k, ldkv, 0, S, nk)
		for i := i0; i < i1; i++ {
			row := S[(i-i0)*nk : (i-i0+1)*nk]
			valid := p0 + i + 1
			l := softmaxRow(row[:valid])
			clear(row[valid:])
			if lse != nil {
				lse[i] = l
			}
			if drop.p != 0 {
				key := (row0 + uint64(i)) * uint64(Tk)
				for jj := 0; jj < valid; jj++ {
					row[jj] = drop.apply(key+uint64(jj), row[jj])
				}
			}
		}
		// O = P·V, (i1-i0)×hs
		kernels.Sgemm(false, false, i1-i0, hs, nk, 1, S, nk, v, ldkv, 0, out[i0*ldo:], ldo)
	}
}

// softmaxRow replaces x by softmax(x) and returns log Σ exp(x).
func softmaxRow(x []float32) float32 {
	m := kernels.Max(x)
	for i := range x {
		x[i] -= m
	}
	kernels.Exp(x, x)
	s := kernels.Sum(x)
	kernels.Scale(1/s, x)
	return m + float32(math.Log(float64(s)))
}

// attentionBackward: dqkv (B,T,3C) = ∂L/∂qkv (overwritten) from dout
// (B,T,C), recomputing the probabilities from qkv and lse (B,NH,T); out is
// the forward's output (B,T,C). Parallel over (b, head).
func attentionBackward(wk *work, dqkv, dout, qkv, out, lse []float32, drop dropout, B, T, C, NH int) {
	nt := wk.chunks(B * NH)
	clear(dqkv[:B*T*3*C])
	sz := 2*attnBlock*T + T
	wk.attnb = attnbJob{dqkv: dqkv, dout: dout, qkv: qkv, out: out, lse: lse, drop: drop, T: T, C: C, NH: NH,
		s: wk.scratch(&wk.attnS, nt*sz)}
	wk.parallel(B*NH, &wk.attnb)
}

type attnbJob struct {
	dqkv, dout, qkv, out, lse []float32
	drop                      dropout
	T, C, NH                  int
	s                         []float32
}

func (j *attnbJob) run(c, lo, hi int) {
	T, C, hs := j.T, j.C, j.C/j.NH
	sz := 2*attnBlock*T + T
	sc := j.s[c*sz : (c+1)*sz]
	P, dP, D := sc[:attnBlock*T], sc[attnBlock*T:2*attnBlock*T], sc[2*attnBlock*T:]
	scale := float32(1 / math.Sqrt(float64(hs)))
	for bh := lo; bh < hi; bh++ {
		b, h := bh/j.NH, bh%j.NH
		base := b * T * 3 * C
		q, k, v := j.qkv[base+h*hs:], j.qkv[base+C+h*hs:], j.qkv[base+2*C+h*hs:]
		dq, dk, dv := j.dqkv[base+h*hs:], j.dqkv[base+C+h*hs:], j.dqkv[base+2*C+h*hs:]
		o, do := j.out[b*T*C+h*hs:], j.dout[b*T*C+h*hs:]
		lse := j.lse[bh*T : (bh+1)*T]
		// D_i = dO_i·O_i = Σ_j P_ij dP_ij
		for i := 0; i < T; i++ {
			D[i] = kernels.Dot(do[i*C:i*C+hs], o[i*C:i*C+hs])
		}
		for i0 := 0; i0 < T; i0 += attnBlock {
			i1 := min(i0+attnBlock, T)
			nq, nk := i1-i0, i1
			// recompute P = exp(scale·Q·Kᵀ - lse), masked
			kernels.Sgemm(false, true, nq, nk, hs, scale, q[i0*3*C:], 3*C, k, 3*C, 0, P, nk)
			for i := i0; i < i1; i++ {
				row := P[(i-i0)*nk : (i-i0+1)*nk]
				valid := i + 1
				l := lse[i]
				for jj := 0; jj < valid; jj++ {
					row[jj] -= l
				}
				kernels.Exp(row[:valid], row[:valid])
				clear(row[valid:])
			}
			// dV += dropout(P)ᵀ·dO
			Pv := P
			if j.drop.p != 0 {
				Pv = dP
				for i := i0; i < i1; i++ {
					key := uint64(bh*T+i) * uint64(T)
					for jj := 0; jj < nk; jj++ {
						Pv[(i-i0)*nk+jj] = j.drop.apply(key+uint64(jj), P[(i-i0)*nk+jj])
					}
				}
			}
			kernels.Sgemm(true, false, nk, hs, nq, 1, Pv, nk, do[i0*C:], C, 1, dv, 3*C)
			// dP = dO·Vᵀ (through the dropout mask)
			kernels.Sgemm(false, true, nq, nk, hs, 1, do[i0*C:], C, v, 3*C, 0, dP, nk)
			// dS = scale·P∘(dP - D)
			for i := i0; i < i1; i++ {
				pr, dr := P[(i-i0)*nk:(i-i0+1)*nk], dP[(i-i0)*nk:(i-i0+1)*nk]
				valid := i + 1
				key := uint64(bh*T+i) * uint64(T)
				for jj := 0; jj < valid; jj++ {
					g := dr[jj]
					if j.drop.p != 0 {
						g = j.drop.apply(key+uint64(jj), g)
					}
					dr[jj] = scale * pr[jj] * (g - D[i])
				}
				clear(dr[valid:])
			}
			// dQ += dS·K, dK += dSᵀ·Q
			kernels.Sgemm(false, false, nq, hs, nk, 1, dP, nk, k, 3*C, 1, dq[i0*3*C:], 3*C)
			kernels.Sgemm(true, false, nk, hs, nq, 1, dP, nk, q[i0*3*C:], 3*C, 1, dk, 3*C)
		}
	}
}

// crossentropyForward: logits is (N,V), targets (N) with -1 = ignore; lse
// (N) gets each row's log-sum-exp. It returns the mean loss over the rows
// with a target (NaN when there are none) and that count. The softmax is
// never stored: the backward pass recomputes it from lse.
func crossentropyForward(wk *work, lse, logits []float32, targets []int, N, V int) (loss float32, count int) {
	nt := wk.chunks(N)
	wk.ce = ceJob{lse: lse, logits: logits, targets: targets, V: V, s: wk.scratch(&wk.ceS, nt*V), part: wk.f64(nt)}
	wk.parallel(N, &wk.ce)
	var sum float64
	for c := 0; c < nt; c++ {
		sum += wk.ce.part[c]
	}
	for _, t := range targets[:N] {
		if t >= 0 {
			count++
		}
	}
	return float32(sum / float64(count)), count
}

type ceJob struct {
	lse, logits []float32
	targets     []int
	V           int
	s           []float32
	part        []float64
}

func (j *ceJob) run(c, lo, hi int) {
	V := j.V
	tmp := j.s[c*V : (c+1)*V]
	var sum float64
	for r := lo; r < hi; r++ {
		row := j.logits[r*V : (r+1)*V]
		copy(tmp, row)
		l := softmaxLSE(tmp)
		j.lse[r] = l
		if t := j.targets[r]; t >= 0 {
			sum += float64(l - row[t])
		}
	}
	j.part[c] = sum
}

// softmaxLSE returns log Σ exp(x), overwriting x.
func softmaxLSE(x []float32) float32 {
	m := kernels.Max(x)
	for i := range x {
		x[i] -= m
	}
	kernels.Exp(x, x)
	return m + float32(math.Log(float64(kernels.Sum(x))))
}

// crossentropyBackward turns logits (N,V) into ∂loss/∂logits in place:
// (softmax - onehot(target))/count for rows with a target, 0 for ignored rows.
func crossentropyBackward(wk *work, logits, lse []float32, targets []int, count, N, V int) {
	wk.ceb = cebJob{logits: logits, lse: lse, targets: targets, V: V, inv: 1 / float32(count)}
	wk.parallel(N, &wk.ceb)
}

type cebJob struct {
	logits, lse []float32
	targets     []int
	V           int
	inv         float32
}

func (j *cebJob) run(_, lo, hi int) {
	V := j.V
	for r := lo; r < hi; r++ {
		row := j.logits[r*V : (r+1)*V]
		t := j.targets[r]
		if t < 0 {
			clear(row)
			continue
		}
		l := j.lse[r]
		for i := range row {
			row[i] -= l
		}
		kernels.Exp(row, row)
		kernels.Scale(j.inv, row)
		row[t] -= j.inv
	}
}

// work holds the arguments of the parallel jobs and their scratch space,
// so that running a layer on the worker pool allocates nothing.
type work struct {
	ln     lnJob
	lnb    lnbJob
	gelu   geluJob
	res    resJob
	attn   attnJob
	attnb  attnbJob
	ce     ceJob
	ceb    cebJob
	mv     matvecJob
	bias   biasJob
	colsum colsumJob
	sa     stepAttnJob

	lnPart, attnS, ceS []float32
	part64             []float64

	cur      chunked
	n, nt    int
	serial   bool // run on the calling goroutine (see Step)
	dispatch func(lo, hi int)
}

// chunked is a job over rows [lo,hi) as chunk c of the current split.
type chunked interface{ run(c, lo, hi int) }

func newWork() *work {
	w := &work{}
	w.dispatch = func(lo, hi int) {
		for c := lo; c < hi; c++ {
			w.cur.run(c, c*w.n/w.nt, (c+1)*w.n/w.nt)
		}
	}
	return w
}

// chunks returns how many chunks parallel will split n rows into: a few
// per thread, which the pool's threads claim as they come free, so that a
// thread the OS delays does not hold the others up; one when serial (a
// job then sees all its rows at once, as decode attention wants: every
// head of a query together).
func (w *work) chunks(n int) int {
	if w.serial {
		return 1
	}
	t := kernels.Threads()
	if t > 1 {
		t *= 4
	}
	return max(1, min(t, n))
}

// parallel runs j over rows [0,n) in chunks(n) chunks on the worker pool.
func (w *work) parallel(n int, j chunked) {
	if n <= 0 {
		return
	}
	w.cur, w.n, w.nt = j, n, w.chunks(n)
	if w.serial {
		w.dispatch(0, w.nt)
	} else {
		kernels.ParallelFor(w.nt, w.dispatch)
	}
	w.cur = nil
}

// scratch returns (*buf)[:n], growing *buf when it is too small.
func (w *work) scratch(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

func (w *work) f64(n int) []float64 {
	if cap(w.part64) < n {
		w.part64 = make([]float64, n)
	}
	return w.part64[:n]
}
