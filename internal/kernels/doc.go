// Package kernels holds golem's float32 compute kernels: SGEMM and the
// row-wise vector kernels that training and inference spend their time in.
//
// Every kernel has a pure-Go implementation that runs on any GOARCH. On amd64
// the hot kernels also have assembly versions (AVX-512, AVX2+FMA) chosen at
// run time with golang.org/x/sys/cpu; the build tag purego forces the pure-Go
// path everywhere.
//
// All matrices are row-major. Shapes are given in the comment of each
// function; slices shorter than the shape needs cause a panic naming the
// kernel and the sizes, as gonum's blas does.
package kernels
