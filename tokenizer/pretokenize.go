package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// GPT-2 splits text into pre-tokens with the regular expression
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// Go's regexp has no lookahead, so pretokenLen below is a hand-written
// scanner that reproduces the first-match-wins alternation exactly:
//
//   - a contraction 's 't 're 've 'm 'll 'd (lower case only);
//   - else an optional single U+0020 space followed by a maximal run of
//     letters, of numbers, or of "other" runes (neither space, letter nor
//     number);
//   - else a whitespace run: all of it when it ends the text, otherwise all
//     but its last rune (which then starts the next pre-token, so " word"
//     keeps its space), or the single whitespace rune when the run is one
//     rune long.
//
// Classes follow Go's unicode tables: \s is unicode.IsSpace (the Unicode
// White_Space property, as the regex module's \s), \p{L} is unicode.IsLetter
// and \p{N} is unicode.IsNumber. Bytes that are not valid UTF-8 count as
// "other", one byte each, so any byte string splits into pieces that
// concatenate back to it.

const (
	clsOther = iota
	clsSpace
	clsLetter
	clsNumber
)

// asciiClass is the class of each ASCII byte.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for i := range t {
		t[i] = runeClass(rune(i))
	}
	return t
}()

func runeClass(r rune) uint8 {
	switch {
	case unicode.IsSpace(r):
		return clsSpace
	case unicode.IsLetter(r):
		return clsLetter
	case unicode.IsNumber(r):
		return clsNumber
	}
	return clsOther
}

// classAt returns the class of the rune starting at s[i] and its width.
// An invalid byte is one "other" byte.
func classAt(s string, i int) (uint8, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, w := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && w == 1 {
		return clsOther, 1
	}
	return runeClass(r), w
}

// pretokenLen returns the byte length of the first GPT-2 pre-token of s,
// which must not be empty.
func pretokenLen(s string) int {
	if s[0] == '\'' && len(s) > 1 {
		switch s[1] {
		case 's', 't', 'm', 'd':
			return 2
		case 'r', 'v':
			if len(s) > 2 && s[2] == 'e' {
				return 3
			}
		case 'l':
			if len(s) > 2 && s[2] == 'l' {
				return 3
			}
		}
	}
	c, w := classAt(s, 0)
	i := w
	if s[0] == ' ' && len(s) > 1 {
		if c2, w2 := classAt(s, 1); c2 != clsSpace {
			c = c2
			i += w2
		}
	}
	if c != clsSpace {
		for i < len(s) {
			c2, w2 := classAt(s, i)
			if c2 != c {
				break
			}
			i += w2
		}
		return i
	}
	// Whitespace run starting at 0; last is the start of its last rune.
	last := 0
	for i < len(s) {
		c2, w2 := classAt(s, i)
		if c2 != clsSpace {
			if last == 0 {
				return i // \s+ of one rune
			}
			return last // \s+(?!\S) gives up the last rune
		}
		last = i
		i += w2
	}
	return i
}

// Pretokenize splits text into GPT-2 pre-tokens, the pieces that BPE then
// encodes independently. Joining the pieces gives text back.
func Pretokenize(text string) []string {
	var out []string
	for len(text) > 0 {
		n := pretokenLen(text)
		out = append(out, text[:n])
		text = text[n:]
	}
	return out
}
