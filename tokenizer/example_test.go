package tokenizer_test

import (
	"fmt"

	"github.com/golemml/golem/tokenizer"
)

func ExampleNewChar() {
	tok := tokenizer.NewChar("hello world")
	ids := tok.Encode("hold")
	fmt.Println(tok.VocabSize(), ids, tok.Decode(ids))
	_, err := tok.EncodeStrict("help")
	fmt.Println(err)
	// Output:
	// 8 [3 5 4 1] hold
	// char tokenizer: rune 'p' (U+0070) at byte 3 is not in the vocabulary
}

func ExampleTrainBPE() {
	text := "low lower lowest low low lower newer newest new new"
	tok, err := tokenizer.TrainBPE(text, 270)
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Merges()[:4])
	ids := tok.Encode("lowest newer")
	fmt.Println(len(ids), tok.Decode(ids))
	fmt.Println(tok.EOT(), tok.EncodeWithSpecial("low<|endoftext|>"))
	// Output:
	// [[l o] [lo w] [Ġ low] [e w]]
	// 3 lowest newer
	// 269 [257 269]
}

func ExamplePretokenize() {
	fmt.Printf("%q\n", tokenizer.Pretokenize("Hello  world's 42!!\n\n"))
	// Output:
	// ["Hello" " " " world" "'s" " 42" "!!" "\n\n"]
}

func ExampleStreamDecoder() {
	tok := tokenizer.NewChar("€ab")
	d := tokenizer.NewStreamDecoder(tok)
	for _, id := range tok.Encode("a€b") {
		fmt.Printf("%q ", d.Add(id))
	}
	fmt.Printf("%q\n", d.Flush())
	// Output:
	// "a" "€" "b" ""
}
