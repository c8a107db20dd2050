// Package safetensors reads and writes the safetensors format of Hugging
// Face and PyTorch checkpoints.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON header,
// then one byte buffer:
//
//	{"__metadata__":{"format":"pt"},
//	 "wte.weight":{"dtype":"F32","shape":[50257,768],"data_offsets":[0,154389504]}, ...}
//
// data_offsets are [begin, end) in the byte buffer; tensors are stored
// row-major, little-endian, and together cover the buffer exactly with no
// gaps or overlaps.
//
// ReadFile and Read check all of that (header length against the file size,
// well-formed JSON, known dtypes, shape × dtype size against the byte range,
// contiguous coverage, unique names) before handing anything out, so a
// hostile or truncated file gives an error naming the file and the tensor,
// never a panic or a huge allocation. Float32 converts every dtype (F32,
// F16, BF16, F64, the 8-bit floats, the integers, BOOL) to float32.
// OpenFile checks the header the same way but leaves the tensors on disk,
// reading each when asked: Float32Into then loads a checkpoint's tensor
// straight into the caller's memory (F32 with no copy in between).
//
// WriteFile writes float32 tensors as the reference implementation does:
// "__metadata__" first, tensors in name order, the header padded with spaces
// to a multiple of 8 bytes so the buffer is aligned.
package safetensors
