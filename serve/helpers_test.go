package serve

import (
	"errors"
	"fmt"
	"github.com/golemml/golem/sampling"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// charTok is a test tokenizer: id 0 is "\n", ids 1..95 are printable ASCII
// (space to '~'), id 96 is the end-of-text token. Other characters encode
// as '?'.
type charTok struct{}

const (
	testVocab = 97
	testEOT   = 96
)

func (charTok) VocabSize() int { return testVocab }

// Save is part of tokenizer.Tokenizer; the server never saves.
func (charTok) Save(string) error { return errors.New("charTok: Save is not supported") }

func (charTok) Encode(s string) []int {
	ids := make([]int, 0, len(s))
	for _, r := range s {
		ids = append(ids, charID(r))
	}
	return ids
}

func charID(r rune) int {
	switch {
	case r == '\n':
		return 0
	case r >= ' ' && r <= '~':
		return int(r-' ') + 1
	}
	return int('?'-' ') + 1
}

func (charTok) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		switch {
		case id == 0:
			b.WriteByte('\n')
		case id >= 1 && id <= 95:
			b.WriteByte(byte(id - 1 + ' '))
		case id == testEOT:
		default:
			b.WriteString("\uFFFD")
		}
	}
	return b.String()
}

// next is the test model's favourite successor: after ':' comes ' ', after
// ' ' comes 'a', letters count up to 'z', then '.', then end-of-text.
func next(id int) int {
	c := charTok{}.Decode([]int{id})
	switch {
	case c == ":":
		return charID(' ')
	case c == " ":
		return charID('a')
	case c >= "a" && c < "z":
		return charID(rune(c[0] + 1))
	case c == "z":
		return charID('.')
	case c == ".":
		return testEOT
	}
	return charID('a')
}

// bigramModel is a deterministic test model: the logits at a position
// favour next(last token) by 3 nats over every other token, so greedy
// decoding of "...:" gives " abcdefghijklmnopqrstuvwxyz." and then
// end-of-text, and sampling at temperature 1 is genuinely random.
type bigramModel struct {
	ctxLen int
	// hook, if set, runs at the start of every Step with the call number
	// (from 1) and the batch size; it may block to hold the scheduler.
	hook func(call, batch int)

	mu      sync.Mutex
	batches []int // batch size of each Step call
	fed     int   // tokens fed in total
}

type bigramState struct{ toks []int }

func (s *bigramState) Len() int { return len(s.toks) }
func (s *bigramState) Reset()   { s.toks = s.toks[:0] }

func (m *bigramModel) ContextLen() int { return m.ctxLen }
func (m *bigramModel) NewState() State { return &bigramState{} }

func (m *bigramModel) Step(states []State, tokens [][]int) [][]float32 {
	m.mu.Lock()
	m.batches = append(m.batches, len(states))
	call := len(m.batches)
	m.mu.Unlock()
	if m.hook != nil {
		m.hook(call, len(states))
	}
	out := make([][]float32, len(states))
	for i, st := range states {
		s := st.(*bigramState)
		if len(tokens[i]) == 0 {
			panic("bigramModel.Step: no tokens")
		}
		s.toks = append(s.toks, tokens[i]...)
		if len(s.toks) > m.ctxLen {
			panic(fmt.Sprintf("bigramModel.Step: %d tokens exceed the context of %d", len(s.toks), m.ctxLen))
		}
		m.mu.Lock()
		m.fed += len(tokens[i])
		m.mu.Unlock()
		l := make([]float32, testVocab)
		l[next(s.toks[len(s.toks)-1])] = 3
		out[i] = l
	}
	return out
}

func (m *bigramModel) batchSizes() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int(nil), m.batches...)
}

// newTestServer starts a Server over a bigramModel (context 64) behind an
// httptest server on 127.0.0.1.
func newTestServer(t *testing.T, cfg Config, m *bigramModel) (*Server, *httptest.Server) {
	t.Helper()
	if m == nil {
		m = &bigramModel{ctxLen: 64}
	}
	cfg.Model, cfg.Tokenizer, cfg.EOT = m, charTok{}, testEOT
	if cfg.Name == "" {
		cfg.Name = "bigram"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s) // httptest listens on 127.0.0.1
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return s, hs
}

// waitFor polls cond every millisecond for up to 10 s: a bound on a loop
// that waits for another goroutine to reach a state, not a timing check.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 10000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func samplerGreedy() *sampling.Sampler { return sampling.New(sampling.Options{}, 0) }
