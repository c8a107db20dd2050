//go:build purego || !amd64

package optim

var useAVX2 = false

type adamConsts struct {
	stepSize, bc2s, b1, a1, b2, a2, e, decay float32
}

func adamVec(data, grad, m, v []float32, c *adamConsts) int { return 0 }

func sgdVec(data, grad, buf []float32, lr, mom, damp float32) int { return 0 }

func rmspropVec(data, grad, sq, buf []float32, lr, al, a1, e, mom float32) int { return 0 }

func adagradVec(data, grad, sum []float32, clr, e float32) int { return 0 }
