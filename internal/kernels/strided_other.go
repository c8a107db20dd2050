//go:build purego || !amd64

package kernels

func dotRows(s, x, y []float32, ld int)  { dotRowsGo(s, x, y, ld) }
func axpyRows(y, a, x []float32, ld int) { axpyRowsGo(y, a, x, ld) }
