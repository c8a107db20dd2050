package gpt

import (
	"encoding/binary"
	"fmt"
)

// RandomState returns the position of the model's dropout stream (its
// seed and the number of training forwards so far), for training
// checkpoints: a resumed run that restores it with SetRandomState draws
// the same dropout masks as an uninterrupted one.
func (m *Model) RandomState() ([]byte, error) {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, m.dropSeed)
	binary.LittleEndian.PutUint64(b[8:], m.dropStep)
	return b, nil
}

// SetRandomState restores a state from RandomState.
func (m *Model) SetRandomState(b []byte) error {
	if len(b) != 16 {
		return fmt.Errorf("gpt: random state has %d bytes, want 16", len(b))
	}
	m.dropSeed = binary.LittleEndian.Uint64(b)
	m.dropStep = binary.LittleEndian.Uint64(b[8:])
	return nil
}
