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
	nh := checkHeads("DotRowsHeads", len(x), hs, sld, rows)
	checkStrided("DotRowsHeads", "y", len(y), rows, len(x), ld)
	if rows == 0 || nh == 0 {
		return
	}
	if need := (nh-1)*sld + rows; len(s) < need {
		panic(fmt.Sprintf("kernels.DotRowsHeads: s has %d elements, need %d (%d heads of %d, stride %d)", len(s), need, nh, rows, sld))
	}
	dotRowsHeads(s, sld, x, hs, y, ld, rows)
}

// AxpyRowsHeads adds weighted sums of many strided rows to one vector, for
// the heads of multi-head attention at once: y holds len(y)/hs vectors of hs floats side by side (one per head), and
// each row of x (stride ld) holds the heads' vectors the same way. For
// every head h it adds Σⱼ a[h·ald + j]·x[j·ld + h·hs : j·ld + (h+1)·hs],
// over j < rows, to y[h·hs : (h+1)·hs]. Each row of x is read once, in
// order, for all heads.
func AxpyRowsHeads(y []float32, hs int, a []float32, ald int, x []float32, ld, rows int) {
	nh := checkHeads("AxpyRowsHeads", len(y), hs, ald, rows)
	checkStrided("AxpyRowsHeads", "x", len(x), rows, len(y), ld)
	if rows == 0 || nh == 0 {
		return
	}
	if need := (nh-1)*ald + rows; len(a) < need {
		panic(fmt.Sprintf("kernels.AxpyRowsHeads: a has %d elements, need %d (%d heads of %d, stride %d)", len(a), need, nh, rows, ald))
	}
	axpyRowsHeads(y, hs, a, ald, x, ld, rows)
}

// checkHeads returns the number of heads of hs floats in a vector of
// length n, panicking unless hs divides n and the per-head stride of the
// row weights (ld) holds rows.
func checkHeads(op string, n, hs, ld, rows int) int {
	if hs <= 0 || n%hs != 0 {
		panic(fmt.Sprintf("kernels.%s: vector of %d is not whole heads of %d", op, n, hs))
	}
	if rows < 0 || ld < rows {
		panic(fmt.Sprintf("kernels.%s: head stride %d < rows %d", op, ld, rows))
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
