// Package torchsave reads the tensors of a file written by PyTorch's
// torch.save: a state dict, such as Hugging Face's pytorch_model.bin, in
// the zip format (PyTorch 1.6 and later) or the legacy format before it.
//
// Such a file is a Python pickle whose tensors point into storages kept
// beside it. Python's own unpickler would run whatever the pickle names;
// this package's reads only what a state dict holds (dicts, tuples, lists,
// strings, numbers, tensors and their storages) and refuses any other
// Python global with an error naming it, so a file can never make it run
// or build anything else. Open reads the index; values stay on disk until
// Float32Into reads one tensor, converting F16, BF16 and the other dtypes
// to float32 as package safetensors does, and gathering strided views.
//
//	f, err := torchsave.Open("pytorch_model.bin")
//	if err != nil { ... }
//	defer f.Close()
//	for _, name := range f.Names() {
//		dtype, shape, _ := f.Info(name)
//		...
//	}
//	w, shape, err := f.Float32("transformer.wte.weight")
package torchsave
