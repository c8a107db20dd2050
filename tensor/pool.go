package tensor

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// storage is the memory behind one or more tensor views.
type storage struct {
	data []float32
	// refs counts the tensors viewing this storage that have not been
	// released. It is atomic so that goroutines sharing read-only tensors
	// (weights during parallel inference) may take views of them.
	refs atomic.Int32
	pool bool // data came from the pool and may return to it
}

// The pool keeps freed buffers by power-of-two size class. It holds at most
// poolMaxBytes so that a burst of large temporaries is not kept forever.
const poolMaxBytes = 1 << 30

var pool struct {
	sync.Mutex
	free  [64][][]float32
	bytes int
}

func sizeClass(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

// newStorage returns storage for n float32 values. If zero is true the
// values are zeroed; otherwise they are arbitrary.
func newStorage(n int, zero bool) *storage {
	c := sizeClass(n)
	pool.Lock()
	if l := len(pool.free[c]); l > 0 {
		buf := pool.free[c][l-1]
		pool.free[c][l-1] = nil
		pool.free[c] = pool.free[c][:l-1]
		pool.bytes -= 4 * cap(buf)
		pool.Unlock()
		buf = buf[:n]
		if zero {
			clear(buf)
		}
		return newStorageOf(buf, true)
	}
	pool.Unlock()
	return newStorageOf(make([]float32, n, 1<<c), true)
}

// newStorageOf wraps data as storage with one reference.
func newStorageOf(data []float32, pooled bool) *storage {
	s := &storage{data: data, pool: pooled}
	s.refs.Store(1)
	return s
}

// release drops one reference and returns the buffer to the pool when none
// are left.
func (s *storage) release() {
	if s.refs.Add(-1) > 0 || !s.pool || s.data == nil {
		return
	}
	buf := s.data[:0]
	s.data = nil
	c := sizeClass(cap(buf))
	if 1<<c != cap(buf) {
		return // not a pool-shaped buffer
	}
	pool.Lock()
	if pool.bytes+4*cap(buf) <= poolMaxBytes {
		pool.free[c] = append(pool.free[c], buf)
		pool.bytes += 4 * cap(buf)
	}
	pool.Unlock()
}
