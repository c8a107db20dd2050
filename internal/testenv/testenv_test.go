package testenv

import (
	"os"
	"testing"
)

func TestSharedDataFindsTinyShakespeare(t *testing.T) {
	p := SharedData(t, "tinyshakespeare", "input.txt")
	st, err := os.Stat(p)
	if err != nil || st.Size() == 0 {
		t.Fatalf("%s: %v", p, err)
	}
}
