package serve

import "strings"

// stopper applies stop strings to a growing text. Text that could be the
// start of a stop string is held back until it is known not to be one; stop
// strings themselves never reach the output.
type stopper struct {
	stops   []string
	pending string // text received but not yet released
}

// add appends s and returns the text safe to release, and whether a stop
// string was found (then the text after it is dropped and the stopper is
// done).
func (st *stopper) add(s string) (out string, stopped bool) {
	st.pending += s
	first := -1
	for _, stop := range st.stops {
		if i := strings.Index(st.pending, stop); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	if first >= 0 {
		out = st.pending[:first]
		st.pending = ""
		return out, true
	}
	// Hold back the longest tail that is a proper prefix of a stop string.
	keep := 0
	for _, stop := range st.stops {
		for n := min(len(stop)-1, len(st.pending)); n > keep; n-- {
			if strings.HasSuffix(st.pending, stop[:n]) {
				keep = n
				break
			}
		}
	}
	cut := len(st.pending) - keep
	out, st.pending = st.pending[:cut], st.pending[cut:]
	return out, false
}

// flush releases the held-back text at the end of generation.
func (st *stopper) flush() string {
	s := st.pending
	st.pending = ""
	return s
}
