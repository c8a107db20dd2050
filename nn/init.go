package nn

import (
	"math"
	"math/rand/v2"

	"github.com/golemml/golem/tensor"
)

// Initializers, as Keras's defaults:
//   - kernels: glorot_uniform, U(-l, l) with l = √(6/(fan_in+fan_out));
//   - recurrent kernels: orthogonal (gain 1);
//   - biases: zeros;
//   - embeddings: uniform(-0.05, 0.05).

// glorotUniform returns a tensor of shape with Glorot/Xavier uniform values.
// For a kernel [..., in, out] fan_in = in·receptive field and fan_out =
// out·receptive field, with the receptive field the product of the leading
// dimensions (Keras's _compute_fans).
func glorotUniform(rng *rand.Rand, shape ...int) *tensor.Tensor {
	fanIn, fanOut := fans(shape)
	l := float32(math.Sqrt(6 / float64(fanIn+fanOut)))
	return tensor.RandU(rng, -l, l, shape...)
}

func fans(shape []int) (in, out int) {
	switch len(shape) {
	case 1:
		return shape[0], shape[0]
	case 2:
		return shape[0], shape[1]
	}
	rf := prod(shape[:len(shape)-2])
	return shape[len(shape)-2] * rf, shape[len(shape)-1] * rf
}

// orthogonal returns a [rows, cols] matrix with orthonormal rows or columns
// (whichever are fewer), as Keras's Orthogonal initializer: the Q factor of
// the QR decomposition of a standard normal matrix, signs fixed so that R
// has a positive diagonal.
func orthogonal(rng *rand.Rand, rows, cols int) *tensor.Tensor {
	n, m := rows, cols
	trans := rows < cols
	if trans {
		n, m = cols, rows
	}
	// a is n×m (n >= m), column-major in cols[j].
	cs := make([][]float64, m)
	for j := range cs {
		cs[j] = make([]float64, n)
		for i := range cs[j] {
			cs[j][i] = rng.NormFloat64()
		}
	}
	// Modified Gram-Schmidt: q_j has a positive R diagonal by construction.
	for j := 0; j < m; j++ {
		for k := 0; k < j; k++ {
			var d float64
			for i := 0; i < n; i++ {
				d += cs[k][i] * cs[j][i]
			}
			for i := 0; i < n; i++ {
				cs[j][i] -= d * cs[k][i]
			}
		}
		var nr float64
		for _, v := range cs[j] {
			nr += v * v
		}
		nr = math.Sqrt(nr)
		for i := range cs[j] {
			cs[j][i] /= nr
		}
	}
	out := make([]float32, rows*cols)
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if trans {
				out[j*cols+i] = float32(cs[j][i])
			} else {
				out[i*cols+j] = float32(cs[j][i])
			}
		}
	}
	return tensor.FromSlice(out, rows, cols)
}
