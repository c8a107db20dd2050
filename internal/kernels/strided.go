package kernels

import "fmt"

// Strided row kernels: one vector against many rows of a matrix with row
// stride ld, as in attention for one query (its scores against the keys,
// then the weighted sum of the values), in one call instead of a call per
// row, for all the query's heads at once.

// DotRowsHeads computes dot products of one vector with many strided rows,
// for the heads of multi-head attention at once: x holds len(x)/hs vectors
// of hs floats side by side (one per head), and each row of y (stride ld)
// holds the heads' vectors the same way. For
// every head h and row j < rows it sets
//
//	s[h·sld + j] = x[h·hs : (h+1)·hs] · y[j·ld + h·hs : j·ld + (h+1)·hs]
//
// Each row of y is read once, in order, for all heads, where a call per
// head would pass over every row once per head.
func DotRowsHeads(s []float32, sld int, x []float32, hs int, y []float32, ld, rows int) {
	if checkHeads("DotRowsHeads", len(x), hs, "s", len(s), sld, "y", len(y), ld, rows) > 0 {
		dotRowsHeads(s, sld, x, hs, y, ld, rows)
	}
}

// AxpyRowsHeads adds weighted sums of many strided rows to one vector, for
// the heads of multi-head attention at once: y holds len(y)/hs vectors of
// hs floats side by side (one per head), and each row of x (stride ld)
// holds the heads' vectors the same way. For every head h it adds
// Σⱼ a[h·ald + j]·x[j·ld + h·hs : j·ld + (h+1)·hs], over j < rows, to
// y[h·hs : (h+1)·hs]. Each row of x is read once, in order, for all heads.
func AxpyRowsHeads(y []float32, hs int, a []float32, ald int, x []float32, ld, rows int) {
	if checkHeads("AxpyRowsHeads", len(y), hs, "a", len(a), ald, "x", len(x), ld, rows) > 0 {
		axpyRowsHeads(y, hs, a, ald, x, ld, rows)
	}
}

// checkHeads panics unless the vector of length n is whole heads of hs,
// the per-head values w (length wl) hold rows values for each head at
// stride wld, and the matrix m (length ml) holds rows rows of n at stride
// ld. It returns the number of heads, or 0 when there is nothing to do.
func checkHeads(op string, n, hs int, w string, wl, wld int, m string, ml, ld, rows int) int {
	if hs <= 0 || n%hs != 0 {
		panic(fmt.Sprintf("kernels.%s: vector of %d is not whole heads of %d", op, n, hs))
	}
	if rows < 0 {
		panic(fmt.Sprintf("kernels.%s: %d rows", op, rows))
	}
	checkStrided(op, m, ml, rows, n, ld)
	checkStrided(op, w, wl, n/hs, rows, wld) // a row of rows values per head
	if rows == 0 {
		return 0
	}
	return n / hs
}

func dotRowsHeadsGo(s []float32, sld int, x []float32, hs int, y []float32, ld, rows int) {
	for h := range len(x) / hs {
		dotRows(s[h*sld:h*sld+rows], x[h*hs:(h+1)*hs], y[h*hs:], ld)
	}
}

func axpyRowsHeadsGo(y []float32, hs int, a []float32, ald int, x []float32, ld, rows int) {
	for h := range len(y) / hs {
		axpyRows(y[h*hs:(h+1)*hs], a[h*ald:h*ald+rows], x[h*hs:], ld)
	}
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
