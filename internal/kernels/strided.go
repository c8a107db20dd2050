package kernels

import "fmt"

// Strided row kernels: one vector against many rows of a matrix with row
// stride ld, as in attention for one query (its scores against the keys,
// then the weighted sum of the values), in one call instead of a call per
// row.

// DotRows sets s[j] = x·y[j·ld : j·ld+len(x)] for every j < len(s).
func DotRows(s, x, y []float32, ld int) {
	checkStrided("DotRows", "y", len(y), len(s), len(x), ld)
	if len(s) == 0 || len(x) == 0 {
		clear(s)
		return
	}
	dotRows(s, x, y, ld)
}

// AxpyRows adds Σⱼ a[j]·x[j·ld : j·ld+len(y)] to y, over every j < len(a),
// in order of j.
func AxpyRows(y, a, x []float32, ld int) {
	checkStrided("AxpyRows", "x", len(x), len(a), len(y), ld)
	if len(a) == 0 || len(y) == 0 {
		return
	}
	axpyRows(y, a, x, ld)
}

// checkStrided panics unless a slice of length l (the operand name of op)
// holds rows×cols with row stride ld. Nothing is needed of an empty matrix.
func checkStrided(op, name string, l, rows, cols, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("kernels.%s: %s: row stride %d < row length %d", op, name, ld, cols))
	}
	if need := (rows-1)*ld + cols; l < need {
		panic(fmt.Sprintf("kernels.%s: %s has %d elements, need %d (%d rows of %d, stride %d)", op, name, l, need, rows, cols, ld))
	}
}

func dotRowsGo(s, x, y []float32, ld int) {
	for j := range s {
		s[j] = dotGo(x, y[j*ld:j*ld+len(x)])
	}
}

func axpyRowsGo(y, a, x []float32, ld int) {
	for j, aj := range a {
		axpyGo(aj, x[j*ld:j*ld+len(y)], y)
	}
}
