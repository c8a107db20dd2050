//go:build !purego

package kernels

import "testing"

// TestStridedRowsHeads covers the AVX-512 kernels where the CPU has them;
// this runs it again on the AVX2 ones (a pass per head).
func TestStridedRowsAVX2(t *testing.T) {
	if !useAVX512Rows {
		t.Skip("the AVX2 kernels already ran in TestStridedRowsHeads: no AVX-512 here")
	}
	useAVX512Rows = false
	defer func() { useAVX512Rows = true }()
	TestStridedRowsHeads(t)
}

// TestGELUAVX2 runs the GELU tests on the AVX2 kernels where the AVX-512
// ones took their place.
func TestGELUAVX2(t *testing.T) {
	if !useAVX512Rows {
		t.Skip("the AVX2 kernel already ran in TestGELU: no AVX-512 here")
	}
	useAVX512Rows = false
	defer func() { useAVX512Rows = true }()
	TestGELU(t)
	TestGELUBackward(t)
}
