// Package lfs recognizes Git LFS pointer files: the small text files that
// a clone made without git-lfs (a Hugging Face model repository, say)
// leaves in place of large ones such as weights.
package lfs

import (
	"bytes"
	"io"
)

// Prefix starts every Git LFS pointer file.
const Prefix = "version https://git-lfs.github.com/spec/"

// Hint says what to do about a pointer, for error messages.
const Hint = "is a Git LFS pointer, not the file's contents: fetch the real file (git lfs pull, or download it)"

// IsPointer reports whether the file read through r starts like a Git LFS
// pointer.
func IsPointer(r io.ReaderAt) bool {
	head := make([]byte, len(Prefix))
	k, _ := r.ReadAt(head, 0)
	return k == len(head) && bytes.Equal(head, []byte(Prefix))
}
