package tokenizer

import "unicode/utf8"

// GPT-2 stores byte-level tokens as strings in which every byte is one
// printable rune: bytes_to_unicode in OpenAI's encoder.py. The printable
// bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for themselves; the other 68
// bytes map, in order, to U+0100, U+0101, ... (so a space is 'Ġ', U+0120).

var (
	// byteRune[b] is the rune that stands for byte b.
	byteRune [256]rune
	// byteOrder lists the bytes in bytes_to_unicode's order: printable ones
	// first. GPT-2's ids 0..255 are the one-byte tokens in this order.
	byteOrder [256]byte
	// runeByte maps a rune back to its byte; runeIsByte says it is one.
	runeByte   = map[rune]byte{}
	runeIsByte = map[rune]bool{}
)

func init() {
	n := 0
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	k := 0
	for b := 0; b < 256; b++ {
		if printable(b) {
			byteRune[b] = rune(b)
			byteOrder[k] = byte(b)
			k++
		}
	}
	for b := 0; b < 256; b++ {
		if !printable(b) {
			byteRune[b] = rune(256 + n)
			byteOrder[k] = byte(b)
			k++
			n++
		}
	}
	for b := 0; b < 256; b++ {
		runeByte[byteRune[b]] = byte(b)
		runeIsByte[byteRune[b]] = true
	}
}

// ByteString returns raw bytes in GPT-2's byte-to-unicode form, the form
// tokens take in vocab.json and merges.txt.
func ByteString(b []byte) string {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = utf8.AppendRune(out, byteRune[c])
	}
	return string(out)
}

// tokenBytes undoes ByteString. Runes outside the byte map (as in a special
// token such as "<|endoftext|>", whose runes all happen to be in the map, or
// a token added by hand) contribute their own UTF-8 bytes, as Hugging Face's
// byte-level decoder does.
func tokenBytes(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if c, ok := runeByte[r]; ok {
			out = append(out, c)
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return out
}
