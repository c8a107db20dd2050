package torchsave_test

import (
	"fmt"
	"log"

	"github.com/golemml/golem/torchsave"
)

// List a state dict's tensors and read one, converted to float32: here an
// int64 tensor that PyTorch wrote (testdata/gen_cases.py).
func Example() {
	f, err := torchsave.Open("testdata/cases_zip.pt")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fmt.Println(len(f.Names()), "tensors, the first:", f.Names()[:3])
	dtype, shape, _ := f.Info("i64")
	vals, _, err := f.Float32("i64")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(dtype, shape, vals)
	// Output:
	// 17 tensors, the first: [f32 f16 bf16]
	// I64 [2 3] [0 1 2 3 4 5]
}
