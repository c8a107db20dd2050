// Package text is Keras's text preprocessing for Go: a word (or character)
// Tokenizer that builds a frequency-ranked vocabulary and turns texts into
// sequences of word ids, and PadSequences that cuts and pads them to one
// length for a model's input.
//
// Both follow keras_preprocessing's text.py and sequence.py exactly
// (the algorithm behind tf.keras.preprocessing.text.Tokenizer and
// pad_sequences): the same default filters, lower-casing, splitting on a
// literal separator, vocabulary order (count descending, ties in first-seen
// order), index 0 reserved, the OOV token at index 1, the num_words cut
// (ids >= NumWords are dropped, or become the OOV id), and padding and
// truncation at the front by default. testdata/keras_fixtures.json holds
// the reference outputs on tricky inputs; the tests compare exactly.
//
//	tok := text.NewTokenizer()
//	tok.NumWords = 10000
//	tok.FitOnTexts(train)
//	x := text.PadSequences(tok.TextsToSequences(train), text.PadOptions{MaxLen: 100})
package text
