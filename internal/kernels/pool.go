package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The worker pool. Workers are started once, on first use, and live for the
// life of the process: ParallelFor hands each of them one chunk of the range
// and runs the first chunk itself, so a call costs a few channel hand-offs,
// not a goroutine per chunk.
//
// One ParallelFor runs on the pool at a time. A call that finds the pool busy
// (another goroutine's call, or a call nested inside a chunk) runs its whole
// range inline on the calling goroutine: always correct, never a deadlock.

var (
	threadsSet atomic.Int32 // 0: follow GOMAXPROCS

	poolMu      sync.Mutex // held for the duration of one parallel call
	poolWorkers []chan poolTask
)

type poolTask struct {
	fn     func(lo, hi int)
	lo, hi int
	done   *sync.WaitGroup
}

// SetThreads sets how many threads ParallelFor and Sgemm use. n <= 0 goes
// back to the default, GOMAXPROCS.
func SetThreads(n int) {
	if n < 0 {
		n = 0
	}
	threadsSet.Store(int32(n))
}

// Threads returns how many threads ParallelFor and Sgemm use: the value of
// SetThreads, or GOMAXPROCS when none was set.
func Threads() int {
	if n := int(threadsSet.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// ParallelFor splits [0,n) into at most Threads() contiguous chunks of
// nearly equal size and calls fn(lo, hi) once per chunk, concurrently on a
// persistent worker pool; it returns when every chunk is done. With one
// thread, n <= 1, or the pool busy (a nested or concurrent call), it calls
// fn(0, n) on the calling goroutine. fn must be safe to run concurrently on
// disjoint ranges. A panic in fn on a worker crashes the process, as a
// panic in any goroutine does.
func ParallelFor(n int, fn func(lo, hi int)) {
	parallelFor(n, 1, fn)
}

// parallelFor is ParallelFor with chunk boundaries rounded to multiples of
// grain (the last chunk takes the remainder).
func parallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	t := Threads()
	units := (n + grain - 1) / grain
	if t > units {
		t = units
	}
	if t <= 1 || !poolMu.TryLock() {
		fn(0, n)
		return
	}
	defer poolMu.Unlock()
	for len(poolWorkers) < t-1 {
		ch := make(chan poolTask)
		poolWorkers = append(poolWorkers, ch)
		go poolWorker(ch)
	}
	var wg sync.WaitGroup
	wg.Add(t - 1)
	bound := func(i int) int {
		b := (units * i / t) * grain
		if b > n {
			b = n
		}
		return b
	}
	for i := 1; i < t; i++ {
		poolWorkers[i-1] <- poolTask{fn: fn, lo: bound(i), hi: bound(i + 1), done: &wg}
	}
	fn(0, bound(1))
	wg.Wait()
}

func poolWorker(ch chan poolTask) {
	for task := range ch {
		if task.lo < task.hi {
			task.fn(task.lo, task.hi)
		}
		task.done.Done()
	}
}
