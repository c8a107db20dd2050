package kernels_test

import (
	"fmt"

	"github.com/golemml/golem/internal/kernels"
)

// C = A·Bᵀ for a 2×3 A and a 2×3 B, so C is 2×2.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0, 1,
		0, 1, 0,
	}
	c := make([]float32, 4)
	kernels.Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

// Row-parallel work: each chunk of rows is normalized on its own thread.
func ExampleParallelFor() {
	const rows, cols = 4, 3
	x := []float32{1, 2, 3, 0, 0, 0, -1, 1, 2, 5, 5, 5}
	kernels.ParallelFor(rows, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			kernels.Softmax(x[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols])
		}
	})
	fmt.Printf("%.3f\n", x[:cols])
	fmt.Printf("%.3f\n", x[3*cols:])
	// Output:
	// [0.090 0.245 0.665]
	// [0.333 0.333 0.333]
}
