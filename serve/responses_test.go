package serve

import (
	"net/http/httptest"
	"testing"
)

// sseWriter.text assembles the per-token chunk by hand; it must be the
// bytes the generic path (a Marshal of the whole chunk) writes.
func TestSSETextMatchesMarshal(t *testing.T) {
	for _, chat := range []bool{false, true} {
		for _, s := range []string{"", "a", "hello world", `q"uote\\back`, "<tag>&amp;", "\n\r\t\b\f\x00\x1f", "é漢字🙂", "\u2028\u2029", "\xff\xfe bad utf8", "line\nbreak"} {
			for _, i := range []int{0, 7, 12345} {
				got := httptest.NewRecorder()
				want := httptest.NewRecorder()
				srv := &Server{cfg: Config{Name: "m<&>\"x"}}
				jb := job{chat: chat}
				eg := newSSEWriter(got, srv, jb)
				ew := newSSEWriter(want, srv, jb)
				ew.base = eg.base // the same id and time
				eg.text(i, s)
				if chat {
					ew.choice(chunkChoice{Index: i, Delta: &delta{Content: &s}})
				} else {
					ew.choice(chunkChoice{Index: i, Text: &s})
				}
				if g, w := got.Body.String(), want.Body.String(); g != w {
					t.Errorf("chat=%v text(%d, %q):\n got %s\nwant %s", chat, i, s, g, w)
				}
			}
		}
	}
}
