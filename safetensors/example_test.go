package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/golemml/golem/safetensors"
)

func Example() {
	dir, _ := os.MkdirTemp("", "st")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	err := safetensors.WriteFile(path, []safetensors.Tensor{
		{Name: "dense.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "dense.bias", Shape: []int{3}, Data: []float32{0.5, 0, -0.5}},
	}, map[string]string{"format": "pt"})
	if err != nil {
		fmt.Println(err)
		return
	}

	f, err := safetensors.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range f.Names() {
		dtype, shape, _ := f.Info(name)
		values, _, _ := f.Float32(name)
		fmt.Println(name, dtype, shape, values)
	}
	fmt.Println(f.Metadata["format"])
	// Output:
	// dense.bias F32 [3] [0.5 0 -0.5]
	// dense.weight F32 [2 3] [1 2 3 4 5 6]
	// pt
}
