package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The worker pool. Workers are started once, on first use, and live for the
// life of the process. A parallel call publishes a job (a number of chunks
// and the function that runs one) to the idle workers and then claims
// chunks itself; every participant claims the next unclaimed chunk until
// none is left. The caller waits only for chunks that a worker has claimed,
// never for a worker that has not woken up yet: on a busy machine, where
// the OS may not run a worker for milliseconds, the caller simply does the
// work itself.
//
// One call uses the pool at a time. A call that finds the pool busy
// (another goroutine's call, or a call nested inside a chunk) runs its
// chunks inline on the calling goroutine: always correct, never a deadlock.

var (
	threadsSet atomic.Int32 // 0: follow GOMAXPROCS

	poolMu      sync.Mutex // held for the duration of one parallel call
	poolWorkers []chan *poolJob
)

type poolJob struct {
	next, done atomic.Int64
	chunks     int64
	run        func(i int) // runs chunk i
	finished   chan struct{}
}

// work claims and runs chunks until none is left.
func (j *poolJob) work() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.chunks {
			return
		}
		j.run(int(i))
		if j.done.Add(1) == j.chunks {
			close(j.finished)
		}
	}
}

// poolSpins is how many times an idle worker yields, checking for a new
// job, before it parks: back-to-back parallel calls (the blocks of one
// SGEMM, the layers of a model, the steps of a server's decode loop) then
// find it awake, since waking a parked goroutine costs microseconds, and
// more when the other threads are busy: a woken worker queues behind
// every runnable goroutine, and the caller, not waiting, does the work
// itself. 2000 yields are some 0.1-0.2 ms when nothing else runs (yielding
// costs nothing when something does). With 200, golem bench serve at 16
// clients (a decode step every ~0.4 ms) got 24-27k tokens/s; with 2000,
// 33k.
const poolSpins = 2000

func poolWorker(ch chan *poolJob) {
	for {
		var j *poolJob
		for spin := 0; spin < poolSpins && j == nil; spin++ {
			select {
			case j = <-ch:
			default:
				runtime.Gosched()
			}
		}
		if j == nil {
			j = <-ch
		}
		j.work()
	}
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
// thread, n <= 1, or the pool busy (a nested or concurrent call), the
// chunks run on the calling goroutine. fn must be safe to run concurrently
// on disjoint ranges. A panic in fn on a worker crashes the process, as a
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
	units := (n + grain - 1) / grain
	t := min(Threads(), units)
	bound := func(i int) int { return min((units*i/t)*grain, n) }
	if t <= 1 {
		fn(0, n)
		return
	}
	runChunks(t, t, func(i int) {
		if lo, hi := bound(i), bound(i+1); lo < hi {
			fn(lo, hi)
		}
	})
}

// parallelChunks calls fn on the chunks [i·chunk, min((i+1)·chunk, n)),
// which the threads claim one at a time, so a thread that the OS
// deschedules holds up only the chunk it is in.
func parallelChunks(n, chunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	nc := (n + chunk - 1) / chunk
	runChunks(min(Threads(), nc), nc, func(i int) { fn(i*chunk, min((i+1)*chunk, n)) })
}

// runChunks runs run(0..chunks-1) on up to t threads, the caller one of
// them, and returns when all are done.
func runChunks(t, chunks int, run func(i int)) {
	if t <= 1 || chunks <= 1 || !poolMu.TryLock() {
		for i := 0; i < chunks; i++ {
			run(i)
		}
		return
	}
	defer poolMu.Unlock()
	for len(poolWorkers) < t-1 {
		ch := make(chan *poolJob, 1)
		poolWorkers = append(poolWorkers, ch)
		go poolWorker(ch)
	}
	j := &poolJob{chunks: int64(chunks), run: run, finished: make(chan struct{})}
	for _, ch := range poolWorkers[:t-1] {
		select {
		case ch <- j:
		default: // still busy with (or yet to drain) an earlier job
		}
	}
	j.work()
	<-j.finished
}
