package train

import (
	"fmt"
	"math/rand/v2"
)

// Batcher draws training batches as nanoGPT's get_batch does: B random
// windows of T+1 consecutive tokens, inputs the first T, targets the last
// T. Its random state can be saved and restored, so a resumed run draws the
// same batches an uninterrupted one would.
type Batcher struct {
	src *rand.PCG
	rng *rand.Rand
	x   []int
	y   []int
}

// NewBatcher returns a Batcher whose draws are fixed by seed.
func NewBatcher(seed uint64) *Batcher {
	src := rand.NewPCG(seed, 0x6a09e667f3bcc908)
	return &Batcher{src: src, rng: rand.New(src)}
}

// Batch returns inputs x and targets y, each B*T ids laid out (B,T), drawn
// from data. The slices are reused by the next call. It panics if data has
// T tokens or fewer.
func (b *Batcher) Batch(data []int, B, T int) (x, y []int) {
	if len(data) <= T {
		panic(fmt.Sprintf("train.Batch: %d tokens cannot fill a window of %d+1", len(data), T))
	}
	if cap(b.x) < B*T {
		b.x = make([]int, B*T)
		b.y = make([]int, B*T)
	}
	x, y = b.x[:B*T], b.y[:B*T]
	for i := range B {
		s := b.rng.IntN(len(data) - T)
		copy(x[i*T:(i+1)*T], data[s:s+T])
		copy(y[i*T:(i+1)*T], data[s+1:s+T+1])
	}
	return x, y
}

// MarshalBinary returns the random state.
func (b *Batcher) MarshalBinary() ([]byte, error) { return b.src.MarshalBinary() }

// UnmarshalBinary restores a random state from MarshalBinary.
func (b *Batcher) UnmarshalBinary(data []byte) error { return b.src.UnmarshalBinary(data) }
