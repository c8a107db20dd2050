package tensor

import "github.com/golemml/golem/internal/kernels"

// parThreshold is the number of elements above which elementwise and row
// ops split their work over kernels.ParallelFor. Below it, the hand-off to
// the worker pool costs more than it saves.
const parThreshold = 32 << 10

// parallel calls fn over [0,n) in chunks, concurrently when n is large.
func parallel(n int, fn func(lo, hi int)) {
	if n < parThreshold {
		fn(0, n)
		return
	}
	kernels.ParallelFor(n, fn)
}

// parallelRows calls fn over rows [0,rows) of rowLen elements each,
// concurrently when the total work is large.
func parallelRows(rows, rowLen int, fn func(lo, hi int)) {
	if rows < 2 || rows*rowLen < parThreshold {
		fn(0, rows)
		return
	}
	kernels.ParallelFor(rows, fn)
}

// lastStride returns the stride of the last dimension, or 0 for a scalar.
func lastStride(st []int) int {
	if len(st) == 0 {
		return 0
	}
	return st[len(st)-1]
}

// forRows walks shape in row-major order one run of the last dimension at
// a time, calling fn with the run's position o in a contiguous result, the
// storage offsets of up to three operands at the start of the run, and the
// run length n. strides[k] are operand k's strides over shape (nil for an
// unused operand). Runs are processed in parallel for large shapes; fn must
// only write the run it is given.
func forRows(shape []int, offsets [3]int, strides [3][]int, fn func(o int, offs [3]int, n int)) {
	total := numel(shape)
	if total == 0 {
		return
	}
	nd := len(shape)
	if nd == 0 {
		fn(0, offsets, 1)
		return
	}
	last := shape[nd-1]
	rows := total / last
	parallelRows(rows, last, func(lo, hi int) {
		// Unravel row lo into an index over shape[:nd-1].
		var idxBuf [8]int
		idx := idxBuf[:0]
		if nd-1 > len(idxBuf) {
			idx = make([]int, 0, nd-1)
		}
		idx = idx[:nd-1]
		offs := offsets
		r := lo
		for d := nd - 2; d >= 0; d-- {
			idx[d] = r % shape[d]
			r /= shape[d]
			for k := range offs {
				if strides[k] != nil {
					offs[k] += idx[d] * strides[k][d]
				}
			}
		}
		for row := lo; row < hi; row++ {
			fn(row*last, offs, last)
			for d := nd - 2; d >= 0; d-- {
				idx[d]++
				for k := range offs {
					if strides[k] != nil {
						offs[k] += strides[k][d]
					}
				}
				if idx[d] < shape[d] {
					break
				}
				for k := range offs {
					if strides[k] != nil {
						offs[k] -= idx[d] * strides[k][d]
					}
				}
				idx[d] = 0
			}
		}
	})
}
