package text

import "fmt"

// PadOptions configures PadSequences. The zero value pads and truncates at
// the front ("pre", Keras's default) to the longest sequence's length with
// 0.
type PadOptions struct {
	// MaxLen is the output length; 0 means the longest input's length
	// (Keras's maxlen=None).
	MaxLen int
	// Padding is "pre" (default) or "post": where padding values go.
	Padding string
	// Truncating is "pre" (default) or "post": which end of a longer
	// sequence is removed.
	Truncating string
	// Value is the padding value.
	Value int
}

// PadSequences is Keras's pad_sequences: it returns len(seqs) rows of
// MaxLen ids each, cutting longer sequences and padding shorter ones as opts
// says. It panics on a Padding or Truncating other than "", "pre" or
// "post", or a negative MaxLen.
func PadSequences(seqs [][]int, opts PadOptions) [][]int {
	if opts.Padding == "" {
		opts.Padding = "pre"
	}
	if opts.Truncating == "" {
		opts.Truncating = "pre"
	}
	if opts.Padding != "pre" && opts.Padding != "post" {
		panic(fmt.Sprintf("text.PadSequences: Padding %q not understood (want \"pre\" or \"post\")", opts.Padding))
	}
	if opts.Truncating != "pre" && opts.Truncating != "post" {
		panic(fmt.Sprintf("text.PadSequences: Truncating %q not understood (want \"pre\" or \"post\")", opts.Truncating))
	}
	if opts.MaxLen < 0 {
		panic(fmt.Sprintf("text.PadSequences: negative MaxLen %d", opts.MaxLen))
	}
	maxLen := opts.MaxLen
	if maxLen == 0 {
		for _, s := range seqs {
			maxLen = max(maxLen, len(s))
		}
	}
	flat := make([]int, len(seqs)*maxLen)
	out := make([][]int, len(seqs))
	for i, s := range seqs {
		row := flat[i*maxLen : (i+1)*maxLen : (i+1)*maxLen]
		out[i] = row
		if len(s) > maxLen {
			if opts.Truncating == "pre" {
				s = s[len(s)-maxLen:]
			} else {
				s = s[:maxLen]
			}
		}
		var pad []int
		if opts.Padding == "post" {
			copy(row, s)
			pad = row[len(s):]
		} else {
			copy(row[maxLen-len(s):], s)
			pad = row[:maxLen-len(s)]
		}
		if opts.Value != 0 {
			for j := range pad {
				pad[j] = opts.Value
			}
		}
	}
	return out
}

// PadSequencesInt32 is PadSequences returning one flat row-major int32
// slice of len(seqs)×maxLen (Keras's default dtype), ready to become a
// model's input, and maxLen.
func PadSequencesInt32(seqs [][]int, opts PadOptions) (flat []int32, maxLen int) {
	rows := PadSequences(seqs, opts)
	if len(rows) == 0 {
		return nil, opts.MaxLen
	}
	maxLen = len(rows[0])
	flat = make([]int32, 0, len(rows)*maxLen)
	for _, r := range rows {
		for _, v := range r {
			flat = append(flat, int32(v))
		}
	}
	return flat, maxLen
}
