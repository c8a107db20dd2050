package text

import (
	"crypto/md5"
	"fmt"
	"math/big"
)

// HashingTrick is Keras's hashing_trick with hash_function='md5': the words
// of text (TextToWordSequence with filters, lower and split) mapped to
// ids in [1, n) by md5(word) mod (n-1) + 1, with no vocabulary to fit.
// Different words may share an id. Keras's default hash (Python's hash,
// used by one_hot) changes from run to run, so only md5 is offered. It
// panics if n < 2.
func HashingTrick(text string, n int, filters string, lower bool, split string) []int {
	if n < 2 {
		panic(fmt.Sprintf("text.HashingTrick: n = %d, want at least 2", n))
	}
	words := TextToWordSequence(text, filters, lower, split)
	out := make([]int, len(words))
	mod := big.NewInt(int64(n - 1))
	var h, r big.Int
	for i, w := range words {
		sum := md5.Sum([]byte(w))
		h.SetBytes(sum[:])
		out[i] = int(r.Mod(&h, mod).Int64()) + 1
	}
	return out
}
