package nn

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

// commas formats n with thousands separators, as Keras prints parameter
// counts: 4047120 → "4,047,120".
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
