// Package text is Keras's text preprocessing for Go: a word (or character)
// Tokenizer that builds a frequency-ranked vocabulary and turns texts into
// sequences of word ids or bag-of-words matrices, PadSequences that cuts
// and pads sequences to one length for a model's input, and HashingTrick.
//
// All follow keras_preprocessing's text.py and sequence.py exactly (the
// algorithm behind tf.keras.preprocessing.text.Tokenizer and
// pad_sequences): the same default filters, lower-casing with Python's
// str.lower rules, splitting on a literal separator, vocabulary order
// (count descending, ties in first-seen order), index 0 reserved, the OOV
// token at index 1, the num_words cut (ids >= NumWords are dropped, or
// become the OOV id), padding and truncation at the front by default, and
// the binary/count/freq/tfidf matrix modes. Tokenizer.ToJSON and
// TokenizerFromJSON read and write Keras's to_json format, so a tokenizer
// fitted in Keras loads here and the other way round.
//
// testdata/keras_fixtures.json holds the reference outputs on tricky inputs
// (punctuation, case, Greek final sigma, OOV, num_words, char level, custom
// separators, padding) and testdata/sentiment_fixture.json on the UCI
// sentiment sentences; the tests compare exactly.
//
//	tok := text.NewTokenizer() // Keras's defaults
//	tok.NumWords, tok.OOVToken = 10000, "<OOV>"
//	tok.FitOnTexts(train)
//	x := text.PadSequences(tok.TextsToSequences(train), text.PadOptions{MaxLen: 100})
//
// The zero Tokenizer does not lower-case or filter and splits on
// whitespace; use NewTokenizer for Keras's defaults.
package text
