//go:build purego || !amd64

package kernels

func dotRows(s, x, y []float32, ld int)  { dotRowsGo(s, x, y, ld) }
func axpyRows(y, a, x []float32, ld int) { axpyRowsGo(y, a, x, ld) }

func dotRowsHeads(s []float32, sld int, x []float32, hs int, y []float32, ld, rows int) {
	dotRowsHeadsGo(s, sld, x, hs, y, ld, rows)
}

func axpyRowsHeads(y []float32, hs int, a []float32, ald int, x []float32, ld, rows int) {
	axpyRowsHeadsGo(y, hs, a, ald, x, ld, rows)
}
