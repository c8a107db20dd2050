package text_test

import (
	"fmt"

	"github.com/golemml/golem/text"
)

func Example() {
	tok := text.NewTokenizer()
	tok.OOVToken = "<OOV>"
	tok.FitOnTexts([]string{"The cat sat on the mat.", "The dog sat!"})
	fmt.Println(tok.WordIndex["<OOV>"], tok.WordIndex["the"], tok.WordIndex["sat"], tok.WordIndex["cat"])

	seqs := tok.TextsToSequences([]string{"the bird sat on the cat", "dog"})
	fmt.Println(seqs)
	fmt.Println(text.PadSequences(seqs, text.PadOptions{MaxLen: 4}))
	fmt.Println(text.PadSequences(seqs, text.PadOptions{MaxLen: 4, Padding: "post", Truncating: "post"}))
	fmt.Println(tok.SequencesToTexts(seqs))
	// Output:
	// 1 2 3 4
	// [[2 1 3 5 2 4] [7]]
	// [[3 5 2 4] [0 0 0 7]]
	// [[2 1 3 5] [7 0 0 0]]
	// [the <OOV> sat on the cat dog]
}
