package kernels

import "fmt"

// Strided row kernels: one vector against many rows of a matrix with row
// stride ld, as in attention for one query (its scores against the keys,
// then the weighted sum of the values), in one call instead of a call per
// row.

// DotRows sets s[j] = x·y[j·ld : j·ld+len(x)] for every j < len(s).
func DotRows(s, x, y []float32, ld int) {
	checkRows("DotRows", len(s), len(x), len(y), ld)
	if len(s) == 0 || len(x) == 0 {
		clear(s)
		return
	}
	dotRows(s, x, y, ld)
}

// AxpyRows adds Σⱼ a[j]·x[j·ld : j·ld+len(y)] to y, over every j < len(a),
// in order of j.
func AxpyRows(y, a, x []float32, ld int) {
	checkRows("AxpyRows", len(a), len(y), len(x), ld)
	if len(a) == 0 || len(y) == 0 {
		return
	}
	axpyRows(y, a, x, ld)
}

func checkRows(op string, rows, n, lm, ld int) {
	if rows == 0 || n == 0 {
		return
	}
	if ld < n {
		panic(fmt.Sprintf("kernels.%s: ld %d < row length %d", op, ld, n))
	}
	if need := (rows-1)*ld + n; lm < need {
		panic(fmt.Sprintf("kernels.%s: matrix has %d elements, need %d (%d rows of %d, ld %d)", op, lm, need, rows, n, ld))
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
