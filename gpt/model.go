package gpt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/optim"
)

// Model is a GPT-2: token and position embeddings, NLayer pre-LayerNorm
// transformer blocks, a final LayerNorm and an LM head tied to the token
// embedding. Parameters live in one buffer and their gradients in another;
// activations in buffers allocated for the largest B·T seen, so a training
// step allocates nothing. A Model is not safe for concurrent use.
type Model struct {
	Config Config

	params, grads []float32 // every parameter, and its gradient, in Params order
	w, g          weights   // views into params and grads
	list          []*optim.Param
	specs         []paramSpec

	acts     activations
	wk       *work
	training bool
	dropSeed uint64
	dropStep uint64 // counts training forwards; with dropSeed fixes the masks
	freeze   bool   // tests: keep dropStep fixed so that masks repeat

	// the last Forward
	B, T    int
	tokens  []int
	targets []int
	count   int // targets that are not -1
	hasLoss bool

	dec []*decode     // Step's buffers, one per group of sequences (see Step)
	pw  packedWeights // Step's packed copies of small weights
	fed int           // tokens fed to Step so far (tests check a Session's reuse)
}

// weights are views of one parameter set. Matrices are stored as
// nn.Linear's (out, in); Hugging Face's Conv1D files hold their transpose.
type weights struct {
	wte, wpe   []float32 // (V,C), (maxT,C)
	h          []block
	lnfw, lnfb []float32 // (C)
}

type block struct {
	ln1w, ln1b         []float32 // (C)
	qkvw, qkvb         []float32 // (3C,C), (3C)
	attprojw, attprojb []float32 // (C,C), (C)
	ln2w, ln2b         []float32 // (C)
	fcw, fcb           []float32 // (4C,C), (4C)
	fcprojw, fcprojb   []float32 // (C,4C), (C)
}

// paramSpec describes one parameter: its Hugging Face name, its shape as
// stored here, and whether Hugging Face stores it transposed (Conv1D).
type paramSpec struct {
	name   string
	shape  []int
	conv1d bool
	decay  bool
	resid  bool // a residual projection: initialized with std 0.02/√(2·NLayer)
	data   *[]float32
	grad   *[]float32
}

// New returns a GPT with GPT-2's initialization: weights N(0, 0.02), the
// residual projections (attn.c_proj, mlp.c_proj) N(0, 0.02/√(2·NLayer)),
// biases 0, LayerNorm weights 1. The draws are fixed by seed (and not by
// the number of threads). It panics if cfg is invalid.
func New(cfg Config, seed uint64) *Model {
	m := newModel(cfg, seed)
	const chunk = 1 << 16
	type piece struct {
		d     []float32
		sd    float64
		index uint64
	}
	var pieces []piece
	for si, s := range m.specs {
		d := *s.data
		switch {
		case len(s.shape) == 2:
			sd := 0.02
			if s.resid {
				sd /= math.Sqrt(2 * float64(cfg.NLayer))
			}
			for i := 0; i < len(d); i += chunk {
				pieces = append(pieces, piece{d[i:min(i+chunk, len(d))], sd, uint64(si)<<32 | uint64(i/chunk)})
			}
		case strings.HasSuffix(s.name, "weight"): // LayerNorm
			for i := range d {
				d[i] = 1
			}
		}
	}
	// Each piece has its own stream, so the pieces fill in parallel.
	kernels.ParallelFor(len(pieces), func(lo, hi int) {
		for _, p := range pieces[lo:hi] {
			rng := rand.New(rand.NewPCG(seed, p.index))
			for i := range p.d {
				p.d[i] = float32(rng.NormFloat64() * p.sd)
			}
		}
	})
	return m
}

// newModel returns a model with cfg's shape and zero parameters.
func newModel(cfg Config, seed uint64) *Model {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	m := shell(cfg, seed)
	m.allocParams()
	return m
}

// shell returns a model with its parameter table but no parameter memory.
func shell(cfg Config, seed uint64) *Model {
	m := &Model{Config: cfg, wk: newWork(), dropSeed: seed ^ 0x5DEECE66D}
	m.layout()
	return m
}

// layout lists the named tensors; allocParams and ensureGrads carve the
// parameter and gradient buffers into them.
func (m *Model) layout() {
	c := m.Config
	C, V, L := c.NEmbd, c.VocabSize, c.NLayer
	m.w.h, m.g.h = make([]block, L), make([]block, L)
	add := func(name string, conv1d, resid bool, w, g *[]float32, shape ...int) {
		m.specs = append(m.specs, paramSpec{name: name, shape: shape, conv1d: conv1d, decay: len(shape) == 2, resid: resid, data: w, grad: g})
	}
	bias := func(name string, w, g *[]float32, n int) {
		if c.Bias {
			add(name, false, false, w, g, n)
		}
	}
	add("wte.weight", false, false, &m.w.wte, &m.g.wte, V, C)
	add("wpe.weight", false, false, &m.w.wpe, &m.g.wpe, c.BlockSize, C)
	for l := 0; l < L; l++ {
		w, g := &m.w.h[l], &m.g.h[l]
		p := fmt.Sprintf("h.%d.", l)
		add(p+"ln_1.weight", false, false, &w.ln1w, &g.ln1w, C)
		bias(p+"ln_1.bias", &w.ln1b, &g.ln1b, C)
		add(p+"attn.c_attn.weight", true, false, &w.qkvw, &g.qkvw, 3*C, C)
		bias(p+"attn.c_attn.bias", &w.qkvb, &g.qkvb, 3*C)
		add(p+"attn.c_proj.weight", true, true, &w.attprojw, &g.attprojw, C, C)
		bias(p+"attn.c_proj.bias", &w.attprojb, &g.attprojb, C)
		add(p+"ln_2.weight", false, false, &w.ln2w, &g.ln2w, C)
		bias(p+"ln_2.bias", &w.ln2b, &g.ln2b, C)
		add(p+"mlp.c_fc.weight", true, false, &w.fcw, &g.fcw, 4*C, C)
		bias(p+"mlp.c_fc.bias", &w.fcb, &g.fcb, 4*C)
		add(p+"mlp.c_proj.weight", true, true, &w.fcprojw, &g.fcprojw, C, 4*C)
		bias(p+"mlp.c_proj.bias", &w.fcprojb, &g.fcprojb, C)
	}
	add("ln_f.weight", false, false, &m.w.lnfw, &m.g.lnfw, C)
	bias("ln_f.bias", &m.w.lnfb, &m.g.lnfb, C)

}

func (m *Model) allocParams() {
	n := 0
	for _, s := range m.specs {
		n += numel(s.shape)
	}
	m.params = make([]float32, n)
	off := 0
	for _, s := range m.specs {
		k := numel(s.shape)
		*s.data = m.params[off : off+k : off+k]
		off += k
	}
}

// ensureGrads allocates the gradients on first use, so that a model used
// only for inference never holds them.
func (m *Model) ensureGrads() {
	if m.grads != nil {
		return
	}
	m.grads = make([]float32, len(m.params))
	off := 0
	for _, s := range m.specs {
		k := numel(s.shape)
		*s.grad = m.grads[off : off+k : off+k]
		off += k
		m.list = append(m.list, &optim.Param{Name: s.name, Data: *s.data, Grad: *s.grad, Decay: s.decay})
	}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Params returns every parameter with its Hugging Face name (wte.weight,
// wpe.weight, h.0.ln_1.weight, h.0.attn.c_attn.weight, ...). Matrices are
// laid out (out, in) as nn.Linear's, the transpose of Hugging Face's Conv1D
// files. Decay is true for the 2-D weights only. The slices alias the
// model: an optimizer updates the model in place. The first call
// allocates the gradients.
func (m *Model) Params() []*optim.Param {
	m.pw.stale = true // the caller may change the weights
	m.ensureGrads()
	return m.list
}

// NumParams returns the number of parameters (the tied LM head counted once).
func (m *Model) NumParams() int { return len(m.params) }

// SetTraining turns dropout on or off.
func (m *Model) SetTraining(on bool) { m.training = on }

// ZeroGrad sets every gradient to zero.
func (m *Model) ZeroGrad() {
	m.ensureGrads()
	clear(m.grads)
}

// activations are the forward pass's saved tensors for B·T = N rows.
type activations struct {
	N               int // rows the buffers hold
	encoded         []float32
	ln1, ln1m, ln1r []float32 // (L,N,C), (L,N), (L,N)
	qkv             []float32 // (L,N,3C)
	atty            []float32 // (L,N,C)
	lse             []float32 // (L,B,NH,T)
	residual2       []float32 // (L,N,C)
	ln2, ln2m, ln2r []float32
	fch, fchGelu    []float32 // (L,N,4C)
	residual3       []float32 // (L,N,C)
	lnf, lnfm, lnfr []float32 // (N,C), (N), (N)
	logits, rowLse  []float32 // (N,V), (N)
	proj            []float32 // (N,C) scratch: a projection before its residual add
	ones            []float32 // (N) of 1, for bias gradients
	dres, dC, dqkv  []float32 // backward: (N,C), (N,C), (N,3C)
	d4C, d4Cb       []float32 // (N,4C)
	tokens, targets []int
}

// ensure sizes the activations for N rows, reallocating only when N grows.
func (m *Model) ensure(N int) {
	if m.acts.N >= N {
		return
	}
	c := m.Config
	L, C, V, NH := c.NLayer, c.NEmbd, c.VocabSize, c.NHead
	f := func(n int) []float32 { return make([]float32, n) }
	a := activations{N: N,
		encoded: f(N * C),
		ln1:     f(L * N * C), ln1m: f(L * N), ln1r: f(L * N),
		qkv: f(L * N * 3 * C), atty: f(L * N * C), lse: f(L * N * NH),
		residual2: f(L * N * C),
		ln2:       f(L * N * C), ln2m: f(L * N), ln2r: f(L * N),
		fch: f(L * N * 4 * C), fchGelu: f(L * N * 4 * C), residual3: f(L * N * C),
		lnf: f(N * C), lnfm: f(N), lnfr: f(N),
		logits: f(N * V), rowLse: f(N), proj: f(N * C),
		dres: f(N * C), dC: f(N * C), dqkv: f(N * 3 * C), d4C: f(N * 4 * C), d4Cb: f(N * 4 * C),
		tokens: make([]int, N), targets: make([]int, N),
	}
	m.acts = a
}

// layerActs are one layer's saved activations, views into activations.
type layerActs struct {
	ln1, ln1m, ln1r []float32 // (N,C), (N), (N)
	qkv             []float32 // (N,3C)
	atty, lse       []float32 // (N,C), (B,NH,T)
	residual2       []float32 // (N,C)
	ln2, ln2m, ln2r []float32
	fch, fchGelu    []float32 // (N,4C)
	residual3       []float32 // (N,C)
}

func (a *activations) layer(l, N, C, NH int) layerActs {
	return layerActs{
		ln1: a.ln1[l*N*C : (l+1)*N*C], ln1m: a.ln1m[l*N : (l+1)*N], ln1r: a.ln1r[l*N : (l+1)*N],
		qkv:  a.qkv[l*N*3*C : (l+1)*N*3*C],
		atty: a.atty[l*N*C : (l+1)*N*C], lse: a.lse[l*N*NH : (l+1)*N*NH],
		residual2: a.residual2[l*N*C : (l+1)*N*C],
		ln2:       a.ln2[l*N*C : (l+1)*N*C], ln2m: a.ln2m[l*N : (l+1)*N], ln2r: a.ln2r[l*N : (l+1)*N],
		fch: a.fch[l*N*4*C : (l+1)*N*4*C], fchGelu: a.fchGelu[l*N*4*C : (l+1)*N*4*C],
		residual3: a.residual3[l*N*C : (l+1)*N*C],
	}
}

// Dropout sites: each (layer, site) has its own mask stream.
const (
	siteEmbd = iota // layer -1 only
	siteAttn
	siteAttnResid
	siteMLPResid
)

func (m *Model) dropout(layer, site int) dropout {
	if !m.training || m.Config.Dropout == 0 {
		return dropout{}
	}
	return newDropout(m.Config.Dropout, m.dropSeed, m.dropStep, 4*(layer+1)+site)
}

// Forward runs the model on tokens (B·T ids, row-major (B,T)). If targets
// (B·T ids, -1 = ignore) is not nil it returns the mean cross-entropy loss
// over the targets that are not -1, else NaN. It panics if T exceeds
// BlockSize or an id is out of range.
func (m *Model) Forward(tokens []int, B, T int, targets []int) float32 {
	c := m.Config
	L, C, V, NH := c.NLayer, c.NEmbd, c.VocabSize, c.NHead
	N := B * T
	m.check(tokens, B, T, targets)
	m.ensure(N)
	a, wk := &m.acts, m.wk
	m.B, m.T = B, T
	m.tokens = a.tokens[:N]
	copy(m.tokens, tokens)
	m.hasLoss = targets != nil
	if m.training && c.Dropout > 0 && !m.freeze {
		m.dropStep++
	}

	// token + position embeddings (then dropout)
	encoderForward(a.encoded, tokens, m.w.wte, m.w.wpe, B, T, C)
	if d := m.dropout(-1, siteEmbd); d.p != 0 {
		dropoutApply(wk, a.encoded, a.encoded, d, N, C)
	}
	residual := a.encoded[:N*C]
	for l := 0; l < L; l++ {
		w, x := &m.w.h[l], a.layer(l, N, C, NH)
		// x = x + attn(ln_1(x))
		layernormForward(wk, x.ln1, x.ln1m, x.ln1r, residual, w.ln1w, w.ln1b, N, C)
		matmulForward(wk, x.qkv, x.ln1, w.qkvw, w.qkvb, N, C, 3*C)
		attentionForward(wk, x.atty, x.lse, x.qkv, m.dropout(l, siteAttn), B, T, C, NH)
		matmulForward(wk, a.proj, x.atty, w.attprojw, w.attprojb, N, C, C)
		residualForward(wk, x.residual2, residual, a.proj, m.dropout(l, siteAttnResid), N, C)
		// x = x + mlp(ln_2(x))
		layernormForward(wk, x.ln2, x.ln2m, x.ln2r, x.residual2, w.ln2w, w.ln2b, N, C)
		matmulForward(wk, x.fch, x.ln2, w.fcw, w.fcb, N, C, 4*C)
		geluForward(wk, x.fchGelu, x.fch, N, 4*C)
		matmulForward(wk, a.proj, x.fchGelu, w.fcprojw, w.fcprojb, N, 4*C, C)
		residualForward(wk, x.residual3, x.residual2, a.proj, m.dropout(l, siteMLPResid), N, C)
		residual = x.residual3
	}
	// ln_f, then the LM head tied to wte
	layernormForward(wk, a.lnf, a.lnfm, a.lnfr, residual, m.w.lnfw, m.w.lnfb, N, C)
	matmulForward(wk, a.logits, a.lnf, m.w.wte, nil, N, C, V)

	if targets == nil {
		return float32(math.NaN())
	}
	m.targets = a.targets[:N]
	copy(m.targets, targets)
	loss, count := crossentropyForward(wk, a.rowLse, a.logits, m.targets, N, V)
	m.count = count
	return loss
}

func (m *Model) check(tokens []int, B, T int, targets []int) {
	c := m.Config
	if B <= 0 || T <= 0 || T > c.BlockSize {
		panic(fmt.Sprintf("gpt.Forward: B=%d T=%d: need B > 0 and 0 < T <= block size %d", B, T, c.BlockSize))
	}
	if len(tokens) != B*T {
		panic(fmt.Sprintf("gpt.Forward: %d tokens for B=%d T=%d", len(tokens), B, T))
	}
	if targets != nil && len(targets) != B*T {
		panic(fmt.Sprintf("gpt.Forward: %d targets for B=%d T=%d", len(targets), B, T))
	}
	for i, t := range tokens {
		if t < 0 || t >= c.VocabSize {
			panic(fmt.Sprintf("gpt.Forward: token %d at %d out of range [0,%d)", t, i, c.VocabSize))
		}
	}
	for i, t := range targets {
		if t < -1 || t >= c.VocabSize {
			panic(fmt.Sprintf("gpt.Forward: target %d at %d out of range [-1,%d)", t, i, c.VocabSize))
		}
	}
}

// Logits returns the (B,T,V) logits of the last Forward. Backward reuses
// this buffer for the logits' gradient: read it before calling Backward.
// The slice aliases the model's buffer and changes with the next call.
func (m *Model) Logits() []float32 {
	return m.acts.logits[:m.B*m.T*m.Config.VocabSize]
}

// Backward, after a Forward with targets, accumulates ∂loss/∂param into
// every parameter's Grad.
func (m *Model) Backward() {
	m.pw.stale = true // an optimizer step is likely to follow
	if !m.hasLoss {
		panic("gpt.Backward: the last Forward had no targets")
	}
	m.hasLoss = false
	m.ensureGrads()
	c := m.Config
	L, C, V, NH := c.NLayer, c.NEmbd, c.VocabSize, c.NHead
	B, T := m.B, m.T
	N := B * T
	a, wk := &m.acts, m.wk
	if m.count == 0 {
		return // no targets: the loss is NaN and its gradient zero
	}

	// loss → logits → ln_f
	crossentropyBackward(wk, a.logits, a.rowLse, m.targets, m.count, N, V)
	dres, dC := a.dres[:N*C], a.dC[:N*C]
	matmulBackward(wk, dC, m.g.wte, nil, a.logits, a.lnf, m.w.wte, N, C, V)
	clear(dres)
	residual := a.residual3[(L-1)*N*C : L*N*C]
	layernormBackward(wk, dres, m.g.lnfw, m.g.lnfb, dC, residual, m.w.lnfw, a.lnfm, a.lnfr, N, C)

	for l := L - 1; l >= 0; l-- {
		w, g, x := &m.w.h[l], &m.g.h[l], a.layer(l, N, C, NH)
		residual = a.encoded[:N*C]
		if l > 0 {
			residual = a.residual3[(l-1)*N*C : l*N*C]
		}
		dqkv, d4C, d4Cb := a.dqkv[:N*3*C], a.d4C[:N*4*C], a.d4Cb[:N*4*C]

		// mlp: dres holds ∂L/∂residual3 = ∂L/∂(mlp output), and flows on to residual2
		dproj := dres
		if d := m.dropout(l, siteMLPResid); d.p != 0 {
			dropoutApply(wk, a.proj, dres, d, N, C)
			dproj = a.proj[:N*C]
		}
		matmulBackward(wk, d4Cb, g.fcprojw, g.fcprojb, dproj, x.fchGelu, w.fcprojw, N, 4*C, C)
		geluBackward(wk, d4C, x.fch, d4Cb, N, 4*C)
		matmulBackward(wk, dC, g.fcw, g.fcb, d4C, x.ln2, w.fcw, N, C, 4*C)
		layernormBackward(wk, dres, g.ln2w, g.ln2b, dC, x.residual2, w.ln2w, x.ln2m, x.ln2r, N, C)
		// attention: dres holds ∂L/∂residual2 and flows on to residual
		dproj = dres
		if d := m.dropout(l, siteAttnResid); d.p != 0 {
			dropoutApply(wk, a.proj, dres, d, N, C)
			dproj = a.proj[:N*C]
		}
		matmulBackward(wk, dC, g.attprojw, g.attprojb, dproj, x.atty, w.attprojw, N, C, C)
		attentionBackward(wk, dqkv, dC, x.qkv, x.atty, x.lse, m.dropout(l, siteAttn), B, T, C, NH)
		matmulBackward(wk, dC, g.qkvw, g.qkvb, dqkv, x.ln1, w.qkvw, N, C, 3*C)
		layernormBackward(wk, dres, g.ln1w, g.ln1b, dC, residual, w.ln1w, x.ln1m, x.ln1r, N, C)
	}
	if d := m.dropout(-1, siteEmbd); d.p != 0 {
		dropoutApply(wk, dres, dres, d, N, C)
	}
	encoderBackward(m.g.wte, m.g.wpe, dres, m.tokens, B, T, C)
}
