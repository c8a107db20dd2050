package lfs

import (
	"strings"
	"testing"
)

func TestIsPointer(t *testing.T) {
	pointer := Prefix + "v1\noid sha256:4b0c6d1b\nsize 548105171\n"
	for s, want := range map[string]bool{pointer: true, "PK\x03\x04": false, "": false, Prefix[:10]: false, "\x80\x02" + pointer: false} {
		if got := IsPointer(strings.NewReader(s)); got != want {
			t.Errorf("IsPointer(%q) = %v, want %v", s, got, want)
		}
	}
}
