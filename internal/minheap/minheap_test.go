package minheap

import (
	"math/rand/v2"
	"slices"
	"testing"
)

type num int

func (a num) Before(b num) bool { return a < b }

// Entries pushed, or put in place and ordered by Init, come out sorted.
func TestHeapSorts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for n := 0; n < 50; n++ {
		vals := make([]num, n)
		for i := range vals {
			vals[i] = num(r.IntN(20))
		}
		want := slices.Clone(vals)
		slices.Sort(want)
		pushed := Heap[num]{}
		for _, v := range vals {
			pushed.Push(v)
		}
		inited := Heap[num](slices.Clone(vals))
		inited.Init()
		for _, h := range []*Heap[num]{&pushed, &inited} {
			for i, w := range want {
				if got := h.Pop(); got != w {
					t.Fatalf("n=%d: pop %d = %d, want %d", n, i, got, w)
				}
			}
			if len(*h) != 0 {
				t.Fatalf("n=%d: %d entries left", n, len(*h))
			}
		}
	}
}
