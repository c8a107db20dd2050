package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golemml/golem/tensor"
)

// MultiHeadAttention is Keras's MultiHeadAttention for self-attention
// (query = key = value = the input): NumHeads heads of KeyDim each,
//
//	q, k, v = x·Wq + bq, x·Wk + bk, x·Wv + bv        (per head)
//	a = softmax(q·kᵀ/√KeyDim [+ causal mask]) · v
//	y = concat_heads(a)·Wo + bo
//
// with Keras's weight layout: query/key/value kernels [C, NumHeads, KeyDim]
// and biases [NumHeads, KeyDim], output kernel [NumHeads, KeyDim, C] and
// bias [C]. torch.nn.MultiheadAttention (embed_dim E = NumHeads·KeyDim = C)
// packs in_proj_weight [3E, E] = [Wq; Wk; Wv] in the [out, in] layout: the
// query kernel reshaped to [C, E] is in_proj_weight[:E].T, and the output
// kernel reshaped to [E, C] is out_proj.weight.T. Causal masks step t from
// attending to later steps (Keras's use_causal_mask=True, torch's
// is_causal). Initial values are Keras's: glorot_uniform kernels (fans
// computed on the 3-D shapes as Keras's EinsumDense does), zero biases.
type MultiHeadAttention struct {
	NumHeads int
	KeyDim   int
	Causal   bool

	base
	in                             []int
	Wq, Bq, Wk, Bk, Wv, Bv, Wo, Bo *tensor.Tensor `json:"-"`
}

// Build creates the projections.
func (l *MultiHeadAttention) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "multi_head_attention"
	}
	if l.NumHeads <= 0 || l.KeyDim <= 0 {
		return fmt.Errorf("nn.MultiHeadAttention %q: NumHeads %d and KeyDim %d must be positive", l.name, l.NumHeads, l.KeyDim)
	}
	if len(in) != 2 || in[1] <= 0 {
		return fmt.Errorf("nn.MultiHeadAttention %q: input shape %s, want (None, T, C)", l.name, FormatShape(in))
	}
	C, h, d := in[1], l.NumHeads, l.KeyDim
	l.in = append([]int(nil), in...)
	l.params = nil
	// Keras's glorot fans for a 3-D kernel [a, b, c]: receptive field a,
	// fan_in a·b, fan_out a·c, as glorotUniform computes them.
	l.Wq = l.addParam("query/kernel", glorotUniform(rng, C, h, d), true)
	l.Bq = l.addParam("query/bias", tensor.Zeros(h, d), true)
	l.Wk = l.addParam("key/kernel", glorotUniform(rng, C, h, d), true)
	l.Bk = l.addParam("key/bias", tensor.Zeros(h, d), true)
	l.Wv = l.addParam("value/kernel", glorotUniform(rng, C, h, d), true)
	l.Bv = l.addParam("value/bias", tensor.Zeros(h, d), true)
	l.Wo = l.addParam("attention_output/kernel", glorotUniform(rng, h, d, C), true)
	l.Bo = l.addParam("attention_output/bias", tensor.Zeros(C), true)
	l.setOut(in...)
	l.built = true
	return nil
}

// Forward applies self-attention to x [batch, T, C].
func (l *MultiHeadAttention) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("MultiHeadAttention")
	checkInput("MultiHeadAttention", l.name, x, l.in)
	B, T, C := x.Size(0), x.Size(1), x.Size(2)
	h, d := l.NumHeads, l.KeyDim
	x2 := contig(x).Reshape(B*T, C)
	proj := func(w, b *tensor.Tensor) *tensor.Tensor {
		y := tensor.Add(tensor.MatMul(x2, w.Reshape(C, h*d)), b.Reshape(h*d))
		return y.Reshape(B, T, h, d).Permute(0, 2, 1, 3) // [B,h,T,d]
	}
	q, k, v := proj(l.Wq, l.Bq), proj(l.Wk, l.Bk), proj(l.Wv, l.Bv)
	att := tensor.MulScalar(tensor.MatMul(q, k.Transpose(2, 3)), float32(1/math.Sqrt(float64(d))))
	if l.Causal {
		m := tensor.Zeros(T, T)
		md := m.Data()
		for i := 0; i < T; i++ {
			for j := i + 1; j < T; j++ {
				md[i*T+j] = 1
			}
		}
		att = tensor.MaskedFill(att, m, float32(math.Inf(-1)))
	}
	a := tensor.MatMul(tensor.Softmax(att, -1), v)      // [B,h,T,d]
	a = contig(a.Permute(0, 2, 1, 3)).Reshape(B*T, h*d) // [B·T, h·d]
	y := tensor.Add(tensor.MatMul(a, l.Wo.Reshape(h*d, C)), l.Bo)
	return y.Reshape(B, T, C)
}

// TransformerBlock is a pre-LayerNorm transformer encoder block (GPT-2's
// arrangement):
//
//	x = x + MultiHeadAttention(LayerNorm(x))
//	x = x + Dense(C)(Dense(FF, gelu)(LayerNorm(x)))
//
// with Causal for decoder-style (language model) blocks. LayerNorm epsilon
// is Epsilon (default 1e-5, PyTorch's and GPT-2's).
type TransformerBlock struct {
	NumHeads int
	FF       int // hidden width of the feed-forward part (default 4·C)
	Causal   bool
	Epsilon  float64

	base
	in       []int
	ln1, ln2 *LayerNorm
	attn     *MultiHeadAttention
	ff1, ff2 *Dense
}

// Build creates the sub-layers.
func (l *TransformerBlock) Build(in []int, rng *rand.Rand) error {
	if l.name == "" {
		l.name = "transformer_block"
	}
	if len(in) != 2 || in[1] <= 0 {
		return fmt.Errorf("nn.TransformerBlock %q: input shape %s, want (None, T, C)", l.name, FormatShape(in))
	}
	C := in[1]
	if l.NumHeads <= 0 || C%l.NumHeads != 0 {
		return fmt.Errorf("nn.TransformerBlock %q: NumHeads %d must divide the width %d", l.name, l.NumHeads, C)
	}
	if l.FF <= 0 {
		l.FF = 4 * C
	}
	if l.Epsilon <= 0 {
		l.Epsilon = 1e-5
	}
	l.ln1 = &LayerNorm{Epsilon: l.Epsilon}
	l.attn = &MultiHeadAttention{NumHeads: l.NumHeads, KeyDim: C / l.NumHeads, Causal: l.Causal}
	l.ln2 = &LayerNorm{Epsilon: l.Epsilon}
	l.ff1 = &Dense{Units: l.FF, Activation: "gelu"}
	l.ff2 = &Dense{Units: C}
	l.params = nil
	for _, s := range []struct {
		name string
		l    Layer
		in   []int
	}{{"ln_1", l.ln1, in}, {"attn", l.attn, in}, {"ln_2", l.ln2, in}, {"ff_1", l.ff1, in}, {"ff_2", l.ff2, []int{in[0], l.FF}}} {
		s.l.SetName(l.name + "/" + s.name)
		if err := s.l.Build(s.in, rng); err != nil {
			return err
		}
		l.params = append(l.params, s.l.Params()...)
	}
	l.in = append([]int(nil), in...)
	l.setOut(in...)
	l.built = true
	return nil
}

// Forward applies the block.
func (l *TransformerBlock) Forward(x *tensor.Tensor, training bool) *tensor.Tensor {
	l.mustBuilt("TransformerBlock")
	x = tensor.Add(x, l.attn.Forward(l.ln1.Forward(x, training), training))
	return tensor.Add(x, l.ff2.Forward(l.ff1.Forward(l.ln2.Forward(x, training), training), training))
}
