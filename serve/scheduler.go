package serve

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/golemml/golem/sampling"
)

// Finish reasons, as OpenAI names them.
const (
	finishStop   = "stop"   // end-of-text token or a stop string
	finishLength = "length" // max_tokens or the context is full
)

var (
	errQueueFull = errors.New("serve: queue full")
	errClosed    = errors.New("serve: scheduler closed")
)

// event is what the scheduler tells a request about one of its sequences:
// a new token, or (done) how the sequence ended.
type event struct {
	choice int
	tok    int
	done   bool
	finish string // with done: finishStop or finishLength; "" with err
	err    error  // with done: the model failed or the scheduler closed
}

// sequence is one generation in flight: one choice of one request.
type sequence struct {
	ctx     context.Context
	choice  int
	pending []int // tokens to feed at the next step (the prompt, then the last sample)
	maxNew  int
	sampler *sampling.Sampler
	events  chan<- event // buffered to hold every event the sequence can send

	state     State
	generated int
	fed       []int // the tokens in state, in order (for prefix reuse)
	cached    int   // prompt tokens found in a reused state, not fed again
}

// freeState is a finished sequence's state kept for reuse, with the tokens
// it holds (nil when it cannot be truncated, so only reset).
type freeState struct {
	st  State
	ids []int
}

// truncater is a State that can drop all but its first n tokens
// (*gpt.Cache): a new sequence whose prompt starts with the tokens a
// finished one fed then continues from them instead of feeding them again.
type truncater interface{ Truncate(n int) }

// scheduler runs continuous batching: one goroutine owns the model; each
// step it admits waiting sequences (their prompts are prefilled in that
// step) and decodes every active sequence together in one Model.Step call.
// A sequence leaves the batch as soon as it finishes or its context ends.
type scheduler struct {
	model        Model
	ctxLen       int
	eot          int
	maxBatch     int
	maxQueue     int
	prefillChunk int
	metrics      *metrics

	mu      sync.Mutex
	waiting []*sequence
	closed  bool
	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{}

	free []freeState // finished states kept for reuse (when State has Reset)
}

func newScheduler(m Model, eot, maxBatch, maxQueue, prefillChunk int, mt *metrics) *scheduler {
	return &scheduler{
		model: m, ctxLen: m.ContextLen(), eot: eot,
		maxBatch: maxBatch, maxQueue: maxQueue, prefillChunk: prefillChunk, metrics: mt,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
	}
}

// submit queues seqs (all or none). It fails with errQueueFull when the
// queue cannot take them all.
func (s *scheduler) submit(seqs []*sequence) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if len(s.waiting)+len(seqs) > s.maxQueue {
		return errQueueFull
	}
	s.waiting = append(s.waiting, seqs...)
	s.metrics.queueDepth.Store(int64(len(s.waiting)))
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// close stops the loop after its current step; sequences still queued or
// active end with errClosed.
func (s *scheduler) close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.quit)
	}
	s.mu.Unlock()
	<-s.done
}

// run is the scheduler loop; it returns after close.
func (s *scheduler) run() {
	defer close(s.done)
	var active []*sequence
	var states []State
	var tokens [][]int
	for {
		select {
		case <-s.quit:
			s.mu.Lock()
			for _, q := range s.waiting {
				s.finish(q, "", errClosed)
			}
			s.waiting = nil
			s.mu.Unlock()
			for _, q := range active {
				s.finish(q, "", errClosed)
			}
			s.metrics.queueDepth.Store(0)
			return
		default:
		}

		// Leave: sequences whose request was cancelled or timed out.
		active = s.dropCancelled(active)
		// Join: admit waiting sequences into free slots.
		s.mu.Lock()
		for len(active) < s.maxBatch && len(s.waiting) > 0 {
			q := s.waiting[0]
			s.waiting[0] = nil
			s.waiting = s.waiting[1:]
			if q.ctx.Err() != nil {
				s.finish(q, "", q.ctx.Err())
				continue
			}
			q.state = s.newState(q)
			active = append(active, q)
			s.metrics.active.Add(1)
		}
		s.metrics.queueDepth.Store(int64(len(s.waiting)))
		s.mu.Unlock()

		if len(active) == 0 {
			select {
			case <-s.wake:
			case <-s.quit:
			}
			continue
		}

		// One batched forward over every active sequence.
		states, tokens = states[:0], tokens[:0]
		for _, q := range active {
			n := len(q.pending)
			if s.prefillChunk > 0 && n > s.prefillChunk {
				n = s.prefillChunk
			}
			states = append(states, q.state)
			tokens = append(tokens, q.pending[:n])
		}
		logits, err := s.step(states, tokens)
		if err != nil {
			for _, q := range active {
				s.finish(q, "", err)
			}
			active = active[:0]
			continue
		}
		s.metrics.steps.Add(1)

		kept := active[:0]
		for i, q := range active {
			q.fed = append(q.fed, tokens[i]...)
			q.pending = q.pending[len(tokens[i]):]
			if len(q.pending) > 0 { // prefill continues next step
				kept = append(kept, q)
				continue
			}
			tok := q.sampler.Sample(logits[i])
			q.generated++
			s.metrics.generatedTokens.Add(1)
			if tok == s.eot {
				s.finish(q, finishStop, nil)
				continue
			}
			q.events <- event{choice: q.choice, tok: tok}
			if q.generated >= q.maxNew || q.state.Len() >= s.ctxLen {
				s.finish(q, finishLength, nil)
				continue
			}
			q.pending = append(q.pending[:0:0], tok)
			kept = append(kept, q)
		}
		for i := len(kept); i < len(active); i++ {
			active[i] = nil
		}
		active = kept
		// On one thread, let the handlers run before the next step: they
		// pass this step's tokens on and submit new requests, which then
		// join the next batch. Without this the loop keeps its thread for a
		// whole time slice and requests that could share steps run one by
		// one. With more threads the handlers run beside the loop, and
		// yielding would make the next step wait for all of them.
		if runtime.GOMAXPROCS(0) == 1 {
			runtime.Gosched()
		}
	}
}

// step calls Model.Step, turning a panic into an error so that one bad
// batch fails its requests rather than the server.
func (s *scheduler) step(states []State, tokens [][]int) (logits [][]float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("serve: model step failed: %v", r)
		}
	}()
	logits = s.model.Step(states, tokens)
	if len(logits) != len(states) {
		return nil, fmt.Errorf("serve: model step returned %d logit rows for %d sequences", len(logits), len(states))
	}
	return logits, nil
}

func (s *scheduler) dropCancelled(active []*sequence) []*sequence {
	kept := active[:0]
	for _, q := range active {
		if err := q.ctx.Err(); err != nil {
			s.finish(q, "", err)
			continue
		}
		kept = append(kept, q)
	}
	for i := len(kept); i < len(active); i++ {
		active[i] = nil
	}
	return kept
}

// finish sends the sequence's last event and recycles its state. The
// gauges are updated first, so a client that sees the end sees them too.
func (s *scheduler) finish(q *sequence, reason string, err error) {
	if q.state != nil {
		s.metrics.active.Add(-1)
	}
	q.events <- event{choice: q.choice, done: true, finish: reason, err: err}
	if q.state != nil {
		if r, ok := q.state.(interface{ Reset() }); ok {
			f := freeState{st: q.state}
			if _, ok := q.state.(truncater); ok && err == nil && q.state.Len() == len(q.fed) {
				f.ids = q.fed
			} else {
				r.Reset()
			}
			s.free = append(s.free, f)
		}
		q.state, q.fed = nil, nil
	}
}

// newState returns a state for q: a free one when there is one, else a
// new one. Of the free states it takes the one holding the longest prefix
// of q's prompt, truncated to that prefix (all but the prompt's last token
// at most: one is fed, for its logits), and q.pending is what remains;
// with no prefix in common it takes the state freed longest ago, keeping
// the recent ones, whose text (a chat's turn) is the likeliest to be
// continued.
func (s *scheduler) newState(q *sequence) State {
	if len(s.free) == 0 {
		return s.model.NewState()
	}
	best, bestLen := 0, 0
	for i, f := range s.free {
		n := 0
		for n < len(f.ids) && n < len(q.pending)-1 && f.ids[n] == q.pending[n] {
			n++
		}
		if n > bestLen {
			best, bestLen = i, n
		}
	}
	f := s.free[best]
	s.free = append(s.free[:best], s.free[best+1:]...)
	if bestLen == 0 {
		f.st.(interface{ Reset() }).Reset()
		return f.st
	}
	f.st.(truncater).Truncate(bestLen)
	q.fed = append(f.ids[:0:0], f.ids[:bestLen]...)
	q.pending = q.pending[bestLen:]
	q.cached = bestLen
	s.metrics.cachedTokens.Add(int64(bestLen))
	return f.st
}
