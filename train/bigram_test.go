package train

import (
	"math"

	"github.com/golemml/golem/optim"
)

// bigram is a tiny language model for the trainer's tests: the logits of
// the next token are a row of a V×V table picked by the current token,
// plus a bias. Its loss and gradient are exact, so runs are deterministic.
type bigram struct {
	V       int
	w, b    *optim.Param
	x, y    []int
	probs   []float64
	train   bool
	ntrains int // SetTraining(true) calls, to check eval mode is restored
}

func newBigram(V int, seed uint64) *bigram {
	m := &bigram{V: V,
		w: &optim.Param{Name: "w.weight", Data: make([]float32, V*V), Grad: make([]float32, V*V), Decay: true},
		b: &optim.Param{Name: "b.bias", Data: make([]float32, V), Grad: make([]float32, V)},
	}
	s := seed*2654435761 + 1
	for i := range m.w.Data {
		s = s*6364136223846793005 + 1442695040888963407
		m.w.Data[i] = float32(int64(s>>40)%1000) / 25000
	}
	return m
}

func (m *bigram) Params() []*optim.Param { return []*optim.Param{m.w, m.b} }
func (m *bigram) SetTraining(on bool) {
	m.train = on
	if on {
		m.ntrains++
	}
}
func (m *bigram) ZeroGrad() { optim.ZeroGrad(m.Params()) }

func (m *bigram) Forward(tokens []int, B, T int, targets []int) float32 {
	m.x, m.y = append(m.x[:0], tokens...), append(m.y[:0], targets...)
	m.probs = m.probs[:0]
	var loss float64
	for i, tok := range tokens {
		row := m.w.Data[tok*m.V : (tok+1)*m.V]
		mx := math.Inf(-1)
		for j := range row {
			mx = math.Max(mx, float64(row[j]+m.b.Data[j]))
		}
		var sum float64
		start := len(m.probs)
		for j := range row {
			e := math.Exp(float64(row[j]+m.b.Data[j]) - mx)
			m.probs = append(m.probs, e)
			sum += e
		}
		for j := range row {
			m.probs[start+j] /= sum
		}
		loss -= math.Log(m.probs[start+targets[i]])
	}
	return float32(loss / float64(len(tokens)))
}

func (m *bigram) Backward() {
	n := float64(len(m.x))
	for i, tok := range m.x {
		for j := 0; j < m.V; j++ {
			g := m.probs[i*m.V+j]
			if j == m.y[i] {
				g--
			}
			m.w.Grad[tok*m.V+j] += float32(g / n)
			m.b.Grad[j] += float32(g / n)
		}
	}
}
