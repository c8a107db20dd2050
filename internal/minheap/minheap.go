// Package minheap is a generic binary heap: the tokenizer's BPE merge queue
// and pair counts, and the sampler's top-k/top-p candidates, use it.
package minheap

// Ordered is an entry of a Heap: a.Before(b) puts a nearer the top.
type Ordered[T any] interface{ Before(T) bool }

// Heap is a binary heap of entries, the one that comes before all others
// at index 0. Make it with make or a slice of entries, then Init.
type Heap[T Ordered[T]] []T

// Init orders the entries into a heap, in linear time.
func (h Heap[T]) Init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// Push adds e.
func (h *Heap[T]) Push(e T) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].Before(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

// Pop removes and returns the entry that comes first. The heap must not be
// empty.
func (h *Heap[T]) Pop() T {
	s := *h
	e := s[0]
	s[0] = s[len(s)-1]
	*h = s[:len(s)-1]
	h.down(0)
	return e
}

func (h Heap[T]) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].Before(h[l]) {
			m = r
		}
		if !h[m].Before(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
