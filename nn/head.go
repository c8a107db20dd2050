package nn

import (
	"fmt"
	"math"

	"github.com/golemml/golem/internal/kernels"
	"github.com/golemml/golem/tensor"
)

// The fused classifier head: Dense(V, softmax) followed by categorical or
// sparse categorical cross-entropy, computed as one op over row chunks.
//
// Keras computes this loss from the logits under the softmax (TensorFlow
// spots the softmax op), and so does golem: for each chunk of rows the
// logits are formed with one SGEMM, turned into log-probabilities in place,
// the loss summed, and, when gradients are wanted, the logits' gradient
// (p - y)/N pushed at once through the two backward GEMMs (dh = dZ·Wᵀ,
// dW += hᵀ·dZ). The [rows, V] logits never exist whole: with V = 10000 and
// 6400 rows that is 256 MB that a naive graph writes and reads several
// times. The loss from logits is the exact value; Keras's from-probability
// path additionally clips p to [1e-7, 1-1e-7], which only differs when a
// predicted probability is below 1e-7.

// headChunk is the number of rows per chunk of logits.
const headChunk = 1024

// fusedHead holds what fusedSoftmaxCE needs about the final Dense.
type fusedHead struct {
	dense  *Dense
	sparse bool // targets are class ids, else distributions
}

// fusedSoftmaxCE returns the mean cross-entropy of softmax(h·W + b)
// against targets. h is [..., H]; targets are [...] class ids (sparse) or
// [..., V] distributions. observe, if not nil, sees each chunk's
// probabilities ([rows, V], row-major) with the chunk's targets.
func fusedSoftmaxCE(f fusedHead, h, target *tensor.Tensor, observe func(probs []float32, rows, classes int, labels []float32)) *tensor.Tensor {
	d := f.dense
	d.mustBuilt("Dense")
	if h.Size(-1) != d.in[len(d.in)-1] {
		panic(fmt.Sprintf("nn.Dense %q: input shape %v does not match built shape %s", d.name, h.Shape(), FormatShape(d.in)))
	}
	h = contig(h)
	H := h.Size(-1)
	V := d.Units
	N := h.Numel() / H
	labels := target.ToSlice()
	if f.sparse && len(labels) != N {
		panic("nn.SparseCategoricalCrossentropy: " + shapeMsg(h.Shape(), target.Shape(), V))
	}
	if !f.sparse && len(labels) != N*V {
		panic("nn.CategoricalCrossentropy: " + shapeMsg(h.Shape(), target.Shape(), V))
	}
	if f.sparse {
		for r, v := range labels {
			classID("SparseCategoricalCrossentropy", v, r, V) // panics on a bad id, before the workers run
		}
	}
	hd := h.Data()
	wd := d.Kernel.Data()
	var bd []float32
	if d.Bias != nil {
		bd = d.Bias.Data()
	}
	grad := tensor.Records(h, d.Kernel, d.Bias)
	var dh, dW, db *tensor.Tensor
	if grad {
		dh = tensor.Empty(h.Shape()...)
		dW = tensor.Zeros(H, V)
		if d.Bias != nil {
			db = tensor.Zeros(V)
		}
	}
	z := tensor.Empty(headChunk * V)
	zd := z.Data()
	inv := 1 / float32(N)
	loss := make([]float64, headChunk)
	var total float64
	for r0 := 0; r0 < N; r0 += headChunk {
		n := min(headChunk, N-r0)
		zc := zd[:n*V]
		kernels.Sgemm(false, false, n, V, H, 1, hd[r0*H:], H, wd, V, 0, zc, V)
		// dZ = (p·Σy - y)/N in place, for row r of the chunk.
		toGrad := func(r int) {
			row := zc[r*V : (r+1)*V]
			if f.sparse {
				kernels.Scale(inv, row)
				row[int(labels[r0+r])] -= inv
				return
			}
			yr := labels[(r0+r)*V : (r0+r+1)*V]
			var ys float32
			for _, y := range yr {
				ys += y
			}
			for k := range row {
				row[k] = (row[k]*ys - yr[k]) * inv
			}
		}
		// Without an observer the gradient is formed while the row is
		// still in cache.
		early := grad && observe == nil
		kernels.ParallelFor(n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				row := zc[r*V : (r+1)*V]
				if bd != nil {
					kernels.Axpy(1, bd, row)
				}
				loss[r] = softmaxXent(row, f.sparse, labels, r0+r, V)
				if early {
					toGrad(r)
				}
			}
		})
		for r := 0; r < n; r++ {
			total += loss[r]
		}
		if observe != nil {
			lab := labels
			if f.sparse {
				lab = labels[r0 : r0+n]
			} else {
				lab = labels[r0*V : (r0+n)*V]
			}
			observe(zc, n, V, lab)
		}
		if !grad {
			continue
		}
		if !early {
			kernels.ParallelFor(n, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					toGrad(r)
				}
			})
		}
		kernels.Sgemm(false, true, n, H, V, 1, zc, V, wd, V, 0, dh.Data()[r0*H:], H)
		kernels.Sgemm(true, false, H, V, n, 1, hd[r0*H:], H, zc, V, 1, dW.Data(), V)
		if db != nil {
			dbd := db.Data()
			kernels.ParallelFor(V, func(lo, hi int) { // column ranges
				for r := 0; r < n; r++ {
					kernels.Axpy(1, zc[r*V+lo:r*V+hi], dbd[lo:hi])
				}
			})
		}
	}
	z.Release()
	out := tensor.Scalar(float32(total / float64(N)))
	if !grad {
		return out
	}
	inputs := []*tensor.Tensor{h, d.Kernel}
	if d.Bias != nil {
		inputs = append(inputs, d.Bias)
	}
	return tensor.Op("DenseSoftmaxCrossEntropy", out, inputs, func(g *tensor.Tensor) []*tensor.Tensor {
		s := g.Item()
		gs := []*tensor.Tensor{dh, dW, db}[:len(inputs)]
		if s != 1 {
			for _, t := range gs {
				kernels.Scale(s, t.Data())
			}
		}
		return gs
	})
}

func shapeMsg(h, target []int, classes int) string {
	return "input " + FormatShape(h[1:]) + " does not fit target shape " + FormatShape(target[1:]) + " for " + itoa(classes) + " classes"
}

// softmaxXent turns the logits in row into probabilities in place and
// returns -Σ y_k log p_k for row r of the labels (a class id when sparse,
// else a distribution). When a target probability underflows float32 the
// loss is recomputed from the logits in float64.
func softmaxXent(row []float32, sparse bool, labels []float32, r, V int) float64 {
	var yz, ys float64 // Σ y_k z_k and Σ y_k, for the fallback
	var yr []float32
	if sparse {
		yz, ys = float64(row[int(labels[r])]), 1
	} else {
		yr = labels[r*V : (r+1)*V]
		for k, y := range yr {
			if y != 0 {
				yz += float64(y) * float64(row[k])
				ys += float64(y)
			}
		}
	}
	mx := kernels.Max(row)
	kernels.Softmax(row, row)
	var l float64
	if sparse {
		p := row[int(labels[r])]
		if p > 1e-30 {
			return -math.Log(float64(p))
		}
	} else {
		ok := true
		for k, y := range yr {
			if y != 0 {
				p := row[k]
				if p <= 1e-30 {
					ok = false
					break
				}
				l -= float64(y) * math.Log(float64(p))
			}
		}
		if ok {
			return l
		}
	}
	// A target probability underflowed: recover log-sum-exp from the
	// largest probability, p_max = e^(max-lse), which is at least 1/V.
	pm := kernels.Max(row)
	lse := float64(mx) - math.Log(float64(pm))
	return lse*ys - yz
}
