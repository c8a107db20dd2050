package kernels

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestParallelForCoversRange(t *testing.T) {
	defer SetThreads(0)
	for _, th := range []int{1, 2, 3, 8} {
		SetThreads(th)
		for _, n := range []int{0, 1, 2, 3, 7, 100, 1001} {
			hits := make([]int32, n)
			var calls atomic.Int32
			ParallelFor(n, func(lo, hi int) {
				calls.Add(1)
				if lo >= hi {
					t.Errorf("threads=%d n=%d: empty chunk [%d,%d)", th, n, lo, hi)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("threads=%d n=%d: index %d ran %d times", th, n, i, h)
				}
			}
			if c := int(calls.Load()); c > max(th, 1) || (n > 0 && c == 0) {
				t.Fatalf("threads=%d n=%d: %d chunks", th, n, c)
			}
		}
	}
}

func TestParallelForGrain(t *testing.T) {
	defer SetThreads(0)
	SetThreads(3)
	parallelFor(100, 8, func(lo, hi int) {
		if lo%8 != 0 || (hi%8 != 0 && hi != 100) {
			t.Errorf("chunk [%d,%d) not on grain 8", lo, hi)
		}
	})
}

// Nested and concurrent calls must complete (inline when the pool is busy).
func TestParallelForNestedAndConcurrent(t *testing.T) {
	defer SetThreads(0)
	SetThreads(2)
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := 0; rep < 50; rep++ {
				ParallelFor(10, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						ParallelFor(10, func(lo, hi int) { total.Add(int64(hi - lo)) })
					}
				})
			}
		}()
	}
	wg.Wait()
	if got := total.Load(); got != 4*50*10*10 {
		t.Fatalf("total = %d, want %d", got, 4*50*10*10)
	}
}

func TestSetThreads(t *testing.T) {
	defer SetThreads(0)
	SetThreads(3)
	if Threads() != 3 {
		t.Fatalf("Threads() = %d after SetThreads(3)", Threads())
	}
	SetThreads(-1)
	if Threads() < 1 {
		t.Fatalf("Threads() = %d after reset", Threads())
	}
}

func BenchmarkParallelForOverhead(b *testing.B) {
	SetThreads(2)
	defer SetThreads(0)
	var sink atomic.Int64
	for b.Loop() {
		ParallelFor(2, func(lo, hi int) { sink.Add(int64(hi - lo)) })
	}
}
