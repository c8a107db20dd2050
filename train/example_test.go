package train_test

import (
	"fmt"

	"github.com/golemml/golem/train"
)

// Split the token stream 90/10 and draw a batch as nanoGPT's get_batch.
func Example() {
	tokens := make([]int, 100)
	for i := range tokens {
		tokens[i] = i
	}
	trainPart, valPart := train.Split(tokens, 0.9)
	x, y := train.NewBatcher(1337).Batch(trainPart, 2, 4) // 2 windows of 4 tokens
	fmt.Println(len(trainPart), len(valPart))
	fmt.Println(len(x), x[1]-x[0], y[0]-x[0])
	// Output:
	// 90 10
	// 8 1 1
}
