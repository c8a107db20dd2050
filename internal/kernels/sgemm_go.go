package kernels

// goImpl is the pure-Go SGEMM: the same blocking and packing as the
// assembly paths, with a 1×7 micro-kernel. The Go compiler computes all
// products of a step before adding them, so a tile needs twice its size in
// registers; 7 accumulators, 7 products and one A value fill the 15 float
// registers it allocates on amd64 without spilling, which measured faster
// than 4×4, 2×4 or 1×8 tiles that spill.
var goImpl = gemmImpl{name: "go-1x7", mr: 1, nr: 7, kc: 512, mc: 256, nc: 7 * 144, kern: kernelGo1x7}

// kernelGo1x7 is the pure-Go micro-kernel (see microKernel).
func kernelGo1x7(k int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	c0, c1, c2, c3, c4, c5, c6 := dotGo1x7(ap[:k], bp[:7*k])
	c = c[:7]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*c0, alpha*c1, alpha*c2, alpha*c3
		c[4], c[5], c[6] = alpha*c4, alpha*c5, alpha*c6
		return
	}
	c[0] = alpha*c0 + beta*c[0]
	c[1] = alpha*c1 + beta*c[1]
	c[2] = alpha*c2 + beta*c[2]
	c[3] = alpha*c3 + beta*c[3]
	c[4] = alpha*c4 + beta*c[4]
	c[5] = alpha*c5 + beta*c[5]
	c[6] = alpha*c6 + beta*c[6]
}

// dotGo1x7 returns Σ_p ap[p]·bp[7p+j] for j = 0..6. It is a function of
// its own so that alpha, beta and c are not live in the loop.
func dotGo1x7(ap, bp []float32) (c0, c1, c2, c3, c4, c5, c6 float32) {
	bp = bp[:7*len(ap)]
	for p, a := range ap {
		b := bp[7*p : 7*p+7 : 7*p+7]
		c0 += a * b[0]
		c1 += a * b[1]
		c2 += a * b[2]
		c3 += a * b[3]
		c4 += a * b[4]
		c5 += a * b[5]
		c6 += a * b[6]
	}
	return
}
