package gpt

import (
	"fmt"
	"math"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/sampling"
)

// Cache holds one sequence's keys and values for every layer, so that
// each new token costs one pass over the weights instead of a pass over
// the whole context. Its buffers grow as tokens are added, up to BlockSize.
type Cache struct {
	k, v [][]float32 // per layer: (capacity, C), rows 0..n-1 in use
	n    int
	c    int // NEmbd
	max  int // BlockSize
}

// NewCache returns an empty cache for m.
func (m *Model) NewCache() *Cache {
	L := m.Config.NLayer
	return &Cache{k: make([][]float32, L), v: make([][]float32, L), c: m.Config.NEmbd, max: m.Config.BlockSize}
}

// Len returns the number of tokens the cache holds.
func (c *Cache) Len() int { return c.n }

// Reset empties the cache, keeping its memory.
func (c *Cache) Reset() { c.n = 0 }

// Truncate keeps the first n tokens of the cache; Step then continues from
// position n. It panics unless 0 <= n <= Len.
func (c *Cache) Truncate(n int) {
	if n < 0 || n > c.n {
		panic(fmt.Sprintf("gpt.Cache.Truncate: %d outside [0,%d]", n, c.n))
	}
	c.n = n
}

// reserve makes room for n tokens in every layer.
func (c *Cache) reserve(n int) {
	for l := range c.k {
		if len(c.k[l]) >= n*c.c {
			continue
		}
		rows := min(c.max, max(n, 2*len(c.k[l])/c.c, 16))
		k, v := make([]float32, rows*c.c), make([]float32, rows*c.c)
		copy(k, c.k[l][:c.n*c.c])
		copy(v, c.v[l][:c.n*c.c])
		c.k[l], c.v[l] = k, v
	}
}

// matvecMax is the most rows for which a linear layer in Step reads a
// large weight in place (kernels.MatMulNT) rather than calling SGEMM, which
// packs the weight first: at GPT-2's size, with 16 or 32 rows, packing
// costs more than the product.
const matvecMax = 64

// stepSerialWork is the most multiply-adds in a step's largest linear
// layer (N·C·4C, the MLP's first) for which Step runs on the calling
// goroutine when its sequences do not split into groups, if the weights
// stay in cache (cachedWeightBytes); 0 turns the serial paths off. At the
// baby size, 16 sequences (1M) take 0.44 ms on one thread and 0.77 ms on
// two: a step has some 40 parallel sections of tens of microseconds, each
// paying a hand-off to the worker pool. Serving, where steps of 16 decoded
// tokens often carry a prompt or two, runs faster up to 128 rows on one
// thread, leaving the other to the HTTP handlers.
var stepSerialWork = 1 << 23 // a variable so tests can reach the parallel paths

// decode holds the buffers of one group of Step's sequences, sized for the
// largest group seen, and the work it runs its parallel sections on.
type decode struct {
	x, ln, mean, rstd, qkv, atty, proj, fch []float32
	last, logits                            []float32
	rows                                    []int // first row of each sequence, then the total
	wk                                      *work
}

// packedWeights holds packed transposed copies (C,OC) of the weight
// matrices small enough to stay in cache, keyed by the weight's first
// element, for linearSmall; stale says they must be rebuilt because the
// weights may have changed (set by Params and Backward).
type packedWeights struct {
	wt    map[*float32]*kernels.PackedB
	stale bool
}

// stepGroupRows is the fewest rows a group of sequences gets when Step
// splits a small-model batch across threads (see Step). With 6 rather than
// 8, the steps of 12 to 15 rows that a 16-client server runs while clients
// come and go take both threads: golem bench serve at 16 clients, fixed
// prompt, 59.4k -> 61.7k tokens/s (mean of six alternating runs each).
const stepGroupRows = 6

func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

// Step feeds tokens[i] (one or more new tokens; more than one is a
// prefill) into caches[i], appending to it, and returns for each i the
// logits (VocabSize values) at its last new token. All sequences go through
// the model in one batched pass: their new tokens are stacked so that each
// weight matrix is read once per step. The returned slices alias the
// model's buffers and are valid until the next Step. Step panics if a cache
// would grow past BlockSize (callers check Len), if a sequence has no new
// token, if an id is out of range or a cache appears twice.
//
// Step keeps transposed copies of weight matrices small enough to stay in
// cache (see cachedWeightBytes). Params and Backward mark them stale; code
// that changes the weights through a Params list it obtained earlier
// without calling Backward must call Params again before the next Step.
func (m *Model) Step(caches []*Cache, tokens [][]int) [][]float32 {
	cfg := m.Config
	L, C, V := cfg.NLayer, cfg.NEmbd, cfg.VocabSize
	if len(caches) != len(tokens) {
		panic(fmt.Sprintf("gpt.Step: %d caches for %d token lists", len(caches), len(tokens)))
	}
	S := len(caches)
	N := 0
	for i, c := range caches {
		if c == nil || len(c.k) != L || c.c != C || c.max != cfg.BlockSize {
			panic(fmt.Sprintf("gpt.Step: cache %d does not belong to this model", i))
		}
		for j := 0; j < i; j++ {
			if caches[j] == c {
				panic(fmt.Sprintf("gpt.Step: caches %d and %d are the same cache", j, i))
			}
		}
		if len(tokens[i]) == 0 {
			panic(fmt.Sprintf("gpt.Step: sequence %d has no new tokens", i))
		}
		if c.n+len(tokens[i]) > cfg.BlockSize {
			panic(fmt.Sprintf("gpt.Step: sequence %d: %d cached + %d new tokens exceed block size %d", i, c.n, len(tokens[i]), cfg.BlockSize))
		}
		for j, t := range tokens[i] {
			if t < 0 || t >= V {
				panic(fmt.Sprintf("gpt.Step: sequence %d: token %d at %d out of range [0,%d)", i, t, j, V))
			}
		}
		N += len(tokens[i])
	}
	m.fed += N
	out := make([][]float32, S)
	if m.dec == nil {
		m.dec = []*decode{{wk: m.wk}}
	}
	// A small model's step runs without the worker pool: its dozens of short
	// parallel sections would cost more in hand-offs than they save. With
	// rows enough, the sequences are split into groups of about equal rows
	// instead, one per thread, each running the whole step on its own
	// buffers: one hand-off per step. Rows are independent in a transformer
	// except through the weights, which the groups share read-only.
	// Groups also pay for large steps (many prompts admitted at once, as
	// when clients start together): groups of over a hundred rows each ran
	// at ~1.5 times the rows/s of the parallel sections. A large step whose
	// rows do not split evenly (one long prompt) takes the parallel
	// sections.
	serial := 4*C*4*C <= cachedWeightBytes && stepSerialWork > 0
	small := N*C*4*C <= stepSerialWork
	groups := 1
	var bounds []int
	if serial {
		if groups = min(kernels.Threads(), S, N/stepGroupRows); groups > 1 {
			bounds = splitRows(tokens, N, groups)
			if !small && unevenGroups(tokens, bounds, N) {
				groups = 1
			}
		}
		serial = groups > 1 || small
	}
	if groups <= 1 {
		m.stepGroup(m.dec[0], serial, caches, tokens, out)
		return out
	}
	for len(m.dec) < groups {
		m.dec = append(m.dec, &decode{wk: newWork()})
	}
	m.packAll() // linearSmall only reads the packed weights from here on
	kernels.ParallelFor(groups, func(lo, hi int) {
		for g := lo; g < hi; g++ {
			a, b := bounds[g], bounds[g+1]
			m.stepGroup(m.dec[g], true, caches[a:b], tokens[a:b], out[a:b])
		}
	})
	return out
}

// unevenGroups reports whether a group of bounds (see splitRows) holds
// more than 1.5 even shares of the N rows: one thread would then run
// longer than the parallel sections take for the whole step.
func unevenGroups(tokens [][]int, bounds []int, N int) bool {
	groups := len(bounds) - 1
	for g := range groups {
		r := 0
		for _, t := range tokens[bounds[g]:bounds[g+1]] {
			r += len(t)
		}
		if 2*r*groups > 3*N {
			return true
		}
	}
	return false
}

// splitRows splits sequences into groups (1 <= groups <= len(tokens)) of
// about N/groups rows each, N the total: group g is sequences
// bounds[g]..bounds[g+1]-1, and none is empty. A group ends at the first
// sequence that starts at or past its share.
func splitRows(tokens [][]int, N, groups int) []int {
	S := len(tokens)
	bounds := make([]int, groups+1)
	g, rows := 1, 0
	for i := range S {
		if i > 0 && g < groups && rows >= g*N/groups && S-i >= groups-g {
			bounds[g] = i
			g++
		}
		rows += len(tokens[i])
	}
	for ; g < groups; g++ { // shares never reached: the last sequences, one each
		bounds[g] = S - (groups - g)
	}
	bounds[groups] = S
	return bounds
}

// stepGroup is Step for one group of sequences, on d's buffers: the
// model's forward pass for the new tokens, reading and extending the
// caches, with out[i] set to sequence i's logits (aliasing d). With serial
// set, its parallel sections run on the calling goroutine.
func (m *Model) stepGroup(d *decode, serial bool, caches []*Cache, tokens [][]int, out [][]float32) {
	cfg := m.Config
	L, C, V, NH := cfg.NLayer, cfg.NEmbd, cfg.VocabSize, cfg.NHead
	S := len(caches)
	if cap(d.rows) < S+1 {
		d.rows = make([]int, S+1)
	}
	rows := d.rows[:S+1]
	N := 0
	for i := range caches {
		rows[i] = N
		N += len(tokens[i])
	}
	rows[S] = N
	wk := d.wk
	wk.serial = serial
	defer func() { wk.serial = false }()
	x := grow(&d.x, N*C)
	ln, mean, rstd := grow(&d.ln, N*C), grow(&d.mean, N), grow(&d.rstd, N)
	qkv, atty, proj, fch := grow(&d.qkv, N*3*C), grow(&d.atty, N*C), grow(&d.proj, N*C), grow(&d.fch, N*4*C)

	// token + position embeddings
	for i, c := range caches {
		c.reserve(c.n + len(tokens[i]))
		for j, tok := range tokens[i] {
			r, pos := rows[i]+j, c.n+j
			o := x[r*C : (r+1)*C]
			copy(o, m.w.wte[tok*C:(tok+1)*C])
			kernels.Axpy(1, m.w.wpe[pos*C:(pos+1)*C], o)
		}
	}
	for l := 0; l < L; l++ {
		w := &m.w.h[l]
		// x = x + attn(ln_1(x)), appending this layer's keys and values
		layernormForward(wk, ln, mean, rstd, x, w.ln1w, w.ln1b, N, C)
		m.linear(wk, qkv, ln, w.qkvw, w.qkvb, N, C, 3*C)
		for i, c := range caches {
			for j := range tokens[i] {
				r, pos := rows[i]+j, c.n+j
				copy(c.k[l][pos*C:(pos+1)*C], qkv[r*3*C+C:r*3*C+2*C])
				copy(c.v[l][pos*C:(pos+1)*C], qkv[r*3*C+2*C:(r+1)*3*C])
			}
		}
		stepAttention(wk, atty, qkv, caches, tokens, rows, l, C, NH)
		m.linear(wk, proj, atty, w.attprojw, w.attprojb, N, C, C)
		kernels.Axpy(1, proj, x)
		// x = x + mlp(ln_2(x))
		layernormForward(wk, ln, mean, rstd, x, w.ln2w, w.ln2b, N, C)
		m.linear(wk, fch, ln, w.fcw, w.fcb, N, C, 4*C)
		geluForward(wk, fch, fch, N, 4*C)
		m.linear(wk, proj, fch, w.fcprojw, w.fcprojb, N, 4*C, C)
		kernels.Axpy(1, proj, x)
	}
	for i, c := range caches {
		c.n += len(tokens[i])
	}
	// ln_f and the LM head, only at each sequence's last new token
	last := grow(&d.last, S*C)
	for i := 0; i < S; i++ {
		r := rows[i+1] - 1
		kernels.LayerNorm(last[i*C:(i+1)*C], x[r*C:(r+1)*C], m.w.lnfw, m.w.lnfb, lnEps)
	}
	logits := grow(&d.logits, S*V)
	m.linear(wk, logits, last, m.w.wte, nil, S, C, V)
	for i := range out {
		out[i] = logits[i*V : (i+1)*V : (i+1)*V]
	}
}

// linear: out (N,OC) = inp (N,C)·weightᵀ + bias; weight is (OC,C). Small
// weights go through SGEMM on a packed copy (linearSmall). Larger ones, for
// up to matvecMax rows, are read once in place (kernels.MatMulNT), parallel
// over output features; for more rows they go through SGEMM.
func (m *Model) linear(wk *work, out, inp, weight, bias []float32, N, C, OC int) {
	if 4*C*OC <= cachedWeightBytes {
		m.linearSmall(wk, out, inp, weight, bias, N, C, OC)
		return
	}
	if N > matvecMax {
		matmulForward(wk, out, inp, weight, bias, N, C, OC)
		return
	}
	wk.mv = matvecJob{out: out, inp: inp, w: weight, b: bias, N: N, C: C, OC: OC}
	wk.parallel(OC, &wk.mv)
}

// Weights of at most cachedWeightBytes go through SGEMM on a copy packed
// once (kernels.PackB), for any number of rows: SGEMM's register tiling
// beats dot products even for one row (its edge kernels compute the rows of
// a tile that exist; a baby step of one sequence took 78 us with dot
// products, 58 us so), and a prefill does not pack every weight again.
// (A variable so that tests can reach the paths for large weights.)
var cachedWeightBytes = 1 << 20

// linearSmall is linear through SGEMM on a cached, packed transposed copy
// of the weight (see cachedWeightBytes).
func (m *Model) linearSmall(wk *work, out, inp, weight, bias []float32, N, C, OC int) {
	wt := m.packed(weight, C, OC)
	threads := 0
	if wk.serial {
		threads = 1
	}
	kernels.SgemmPackedB(threads, N, 1, inp, C, wt, 0, out, OC)
	if bias != nil {
		for n := 0; n < N; n++ {
			kernels.Axpy(1, bias, out[n*OC:(n+1)*OC])
		}
	}
}

// packed returns the packed transposed copy of weight (OC,C), making it
// when it is missing or stale.
func (m *Model) packed(weight []float32, C, OC int) *kernels.PackedB {
	p := &m.pw
	if p.wt == nil || p.stale {
		if p.wt == nil {
			p.wt = map[*float32]*kernels.PackedB{}
		}
		clear(p.wt)
		p.stale = false
	}
	key := &weight[0]
	wt, ok := p.wt[key]
	if !ok || wt.K() != C || wt.N() != OC {
		wt = kernels.PackB(true, C, OC, weight, C)
		p.wt[key] = wt
	}
	return wt
}

// packAll makes the packed copy of every weight matrix linearSmall uses,
// so that concurrent groups of a Step only read the map.
func (m *Model) packAll() {
	C, V := m.Config.NEmbd, m.Config.VocabSize
	small := func(w []float32, in, out int) {
		if 4*in*out <= cachedWeightBytes {
			m.packed(w, in, out)
		}
	}
	for l := range m.w.h {
		w := &m.w.h[l]
		small(w.qkvw, C, 3*C)
		small(w.attprojw, C, C)
		small(w.fcw, C, 4*C)
		small(w.fcprojw, 4*C, C)
	}
	small(m.w.wte, C, V)
}

type matvecJob struct {
	out, inp, w, b []float32
	N, C, OC       int
}

// run computes output features [lo,hi) for every row: the weight rows
// lo..hi-1 are read once, against all the rows of inp. (One row, bound by
// reading the weights, streams them a row at a time with dot products,
// a few percent faster than MatMulNT's four rows at a time.)
func (j *matvecJob) run(_, lo, hi int) {
	C, OC := j.C, j.OC
	if j.N == 1 {
		for o := lo; o < hi; o++ {
			j.out[o] = kernels.Dot(j.w[o*C:(o+1)*C], j.inp[:C])
		}
	} else {
		kernels.MatMulNT(j.N, hi-lo, C, j.inp, C, j.w[lo*C:hi*C], C, j.out[lo:], OC)
	}
	if j.b != nil {
		for n := 0; n < j.N; n++ {
			kernels.Axpy(1, j.b[lo:hi], j.out[n*OC+lo:n*OC+hi])
		}
	}
}

// stepAttention: for each sequence i and head, the new queries in qkv
// (rows rows[i]..rows[i+1]-1) attend to the cache's keys and values at
// layer l, causally; out is (N,C). Parallel over (sequence, head); a
// chunk attends the heads it holds of a decoded query together.
func stepAttention(wk *work, out, qkv []float32, caches []*Cache, tokens [][]int, rows []int, l, C, NH int) {
	S := len(caches)
	maxK := 0
	for i, c := range caches {
		maxK = max(maxK, c.n+len(tokens[i]))
	}
	nt := wk.chunks(S * NH)
	sz := max(attnBlock*maxK, NH*(maxK+1)) // attendHead's or attendOne's
	wk.sa = stepAttnJob{out: out, qkv: qkv, caches: caches, rows: rows, l: l, C: C, NH: NH, sz: sz, s: wk.scratch(&wk.attnS, nt*sz)}
	wk.parallel(S*NH, &wk.sa)
}

type stepAttnJob struct {
	out, qkv     []float32
	caches       []*Cache
	rows         []int
	l, C, NH, sz int
	s            []float32
}

func (j *stepAttnJob) run(c, lo, hi int) {
	C, hs := j.C, j.C/j.NH
	S := j.s[c*j.sz : (c+1)*j.sz]
	for sh := lo; sh < hi; {
		i, h := sh/j.NH, sh%j.NH
		cache := j.caches[i]
		r0, nq := j.rows[i], j.rows[i+1]-j.rows[i]
		q := j.qkv[r0*3*C+h*hs:]
		k, v := cache.k[j.l][h*hs:], cache.v[j.l][h*hs:]
		o := j.out[r0*C+h*hs:]
		if nq == 1 { // this sequence's heads in the chunk, together
			nh := min(j.NH-h, hi-sh)
			attendOne(o[:nh*hs], q[:nh*hs], k, v, C, cache.n+1, hs, S)
			sh += nh
			continue
		}
		attendHead(o, C, nil, q, 3*C, k, v, C, nq, cache.n, hs, S, dropout{}, 0)
		sh++
	}
}

// attendOne is attention for a single query over nk keys and values, for
// one or more heads of hs: q and out hold the heads side by side
// (len(q)/hs of them), as each row of k and v (stride ld) does, so that
// each row is read once, in order, for all of them. s is scratch of at
// least nh·(nk+1).
func attendOne(out, q, k, v []float32, ld, nk, hs int, s []float32) {
	nh := len(q) / hs
	scale := float32(1 / math.Sqrt(float64(hs)))
	sums := s[nh*nk : nh*nk+nh]
	kernels.DotRowsHeads(s, nk, q, hs, k, ld, nk)
	// softmax(scale·s) per head, normalized at the end: on the hs outputs
	// rather than the nk weights
	for h := range nh {
		sh := s[h*nk : (h+1)*nk]
		m := kernels.Max(sh)
		for i, x := range sh {
			sh[i] = (x - m) * scale
		}
		kernels.Exp(sh, sh)
		sums[h] = kernels.Sum(sh)
	}
	clear(out)
	kernels.AxpyRowsHeads(out, hs, s, nk, v, ld, nk)
	for h := range nh {
		kernels.Scale(1/sums[h], out[h*hs:(h+1)*hs])
	}
}

// Generate continues prompt with up to maxNew tokens drawn by s (greedy
// when s is nil), calling emit (if not nil) with each new token; it stops
// early when emit returns false or when the model produces eot (if eot >=
// 0; the stop token is neither emitted nor returned). It returns the new
// tokens. An empty prompt starts from eot, as GPT-2's <|endoftext|> opens
// a document; with no eot it returns nil. When the context is full it
// slides: the cache is refilled with the last BlockSize/2 tokens.
func (m *Model) Generate(prompt []int, maxNew int, s *sampling.Sampler, eot int, emit func(tok int) bool) []int {
	return m.NewSession().Generate(prompt, maxNew, s, eot, emit)
}

// A Session generates continuations of a text that grows between calls, as
// a chat does turn after turn, keeping its cache: each call feeds the model
// only the tokens past the longest prefix of its prompt that the cache
// already holds, instead of the whole prompt again.
type Session struct {
	m   *Model
	c   *Cache
	ids []int // the tokens in c, in order
}

// NewSession returns a session with an empty cache.
func (m *Model) NewSession() *Session { return &Session{m: m, c: m.NewCache()} }

// Generate is Model.Generate reusing the session's cache: prompt is the
// whole text so far (typically an earlier prompt, its continuation, and
// more), of which the tokens the cache holds are not fed again. A prompt
// longer than BlockSize keeps its last BlockSize tokens.
func (se *Session) Generate(prompt []int, maxNew int, s *sampling.Sampler, eot int, emit func(tok int) bool) []int {
	var each func(int, int) bool
	if emit != nil {
		each = func(_, tok int) bool { return emit(tok) }
	}
	return se.m.generate([]*Session{se}, [][]int{prompt}, maxNew, []*sampling.Sampler{s}, eot, each)[0]
}

// begin readies the session for prompt (not empty): it keeps the cached
// prefix that the prompt's last BlockSize tokens start with, and returns
// the rest, which the next step feeds (at least one token, for its
// logits).
func (se *Session) begin(prompt []int) []int {
	feed := prompt[max(0, len(prompt)-se.m.Config.BlockSize):]
	keep := 0
	for keep < len(feed)-1 && keep < len(se.ids) && se.ids[keep] == feed[keep] {
		keep++
	}
	se.c.Truncate(keep)
	se.ids = append(se.ids[:keep], feed[keep:]...)
	return se.ids[keep:]
}

// advance takes tok, drawn from the last step's logits, and returns what
// the next step feeds: tok, or, when the cache is full, the last
// BlockSize/2 tokens after emptying it (the window slides).
func (se *Session) advance(tok int) []int {
	bs := se.m.Config.BlockSize
	if se.c.Len() == bs {
		slide := append(se.ids[len(se.ids)-max(1, bs/2)+1:], tok)
		se.ids = append(se.ids[:0], slide...)
		se.c.Reset()
		return se.ids
	}
	se.ids = append(se.ids, tok)
	return se.ids[len(se.ids)-1:]
}

// GenerateBatch continues every prompt as Generate does, all in one batch:
// each Step feeds every unfinished sequence its new token (or, when its
// context is full, its last BlockSize/2 tokens), so the weights are read
// once per step for all of them. samplers[i] draws sequence i's tokens
// (nil, or a nil entry: greedy); a sequence ends at eot (if eot >= 0) or
// after maxNew tokens. It returns each sequence's new tokens. emit, if not
// nil, is called with each new token of sequence i as it is drawn; when
// it returns false, sequence i ends there.
func (m *Model) GenerateBatch(prompts [][]int, maxNew int, samplers []*sampling.Sampler, eot int, emit func(i, tok int) bool) [][]int {
	if samplers != nil && len(samplers) != len(prompts) {
		panic(fmt.Sprintf("gpt.GenerateBatch: %d samplers for %d prompts", len(samplers), len(prompts)))
	}
	ses := make([]*Session, len(prompts))
	for i := range ses {
		ses[i] = m.NewSession()
	}
	return m.generate(ses, prompts, maxNew, samplers, eot, emit)
}

// generate is the decoding loop of Generate, Session.Generate and
// GenerateBatch: sequence i continues prompts[i] in session ses[i].
func (m *Model) generate(ses []*Session, prompts [][]int, maxNew int, samplers []*sampling.Sampler, eot int, emit func(i, tok int) bool) [][]int {
	out := make([][]int, len(ses))
	if maxNew <= 0 {
		return out
	}
	type seq struct {
		i    int
		feed []int // what the next step feeds
	}
	var live []seq
	for i, p := range prompts {
		if len(p) == 0 { // a document opens with <|endoftext|>
			if eot < 0 {
				continue
			}
			p = []int{eot}
		}
		live = append(live, seq{i, ses[i].begin(p)})
	}
	caches := make([]*Cache, 0, len(live))
	feeds := make([][]int, 0, len(live))
	for len(live) > 0 {
		caches, feeds = caches[:0], feeds[:0]
		for _, s := range live {
			caches = append(caches, ses[s.i].c)
			feeds = append(feeds, s.feed)
		}
		logits := m.Step(caches, feeds)
		kept := live[:0]
		for j, s := range live {
			var tok int
			if samplers == nil || samplers[s.i] == nil {
				tok = sampling.Argmax(logits[j])
			} else {
				tok = samplers[s.i].Sample(logits[j])
			}
			if eot >= 0 && tok == eot {
				continue
			}
			out[s.i] = append(out[s.i], tok)
			if emit != nil && !emit(s.i, tok) || len(out[s.i]) >= maxNew {
				continue
			}
			kept = append(kept, seq{s.i, ses[s.i].advance(tok)})
		}
		live = kept
	}
	return out
}
