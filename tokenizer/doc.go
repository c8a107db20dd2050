// Package tokenizer turns text into token ids and back: a character-level
// tokenizer (Char, as nanoGPT's shakespeare_char) and GPT-2's byte-level
// byte-pair encoding (BPE), which it loads, saves and trains.
//
// # GPT-2's BPE
//
// LoadBPE reads OpenAI's original files (encoder.json + vocab.bpe) or Hugging
// Face's (vocab.json + merges.txt; the same content) and encodes exactly as
// OpenAI's encoder.py: the same pre-tokenization (GPT-2's regular expression,
// reproduced by a hand-written scanner since Go's regexp has no lookahead,
// see Pretokenize), the same byte-to-unicode map and the same merge order.
// The tests check ids against fixtures made by encoder.py itself
// (testdata/gen_gpt2_fixtures.py) on Unicode, CJK, emoji sequences,
// combining marks, whitespace runs, contractions, numbers and random text.
// Character classes come from Go's unicode tables (Unicode 15.0); Python's
// regex module may use a newer Unicode version, so runes assigned after 15.0
// can split differently.
//
//	tok, err := tokenizer.LoadBPE("gpt2")     // folder with the files
//	ids := tok.Encode("Hello world")           // [15496 995]
//	text := tok.Decode(ids)                    // "Hello world"
//
// Encode treats "<|endoftext|>" in the text as plain text, so that user
// input cannot forge a document boundary; EncodeWithSpecial maps it to
// EOT(). Decode is lossless: it returns the bytes the ids stand for, even
// when they are not valid UTF-8 (a generated sequence can stop in the middle
// of a character); DecodeReplace returns valid UTF-8 the way encoder.py's
// decode does (errors="replace"). StreamDecoder decodes one id at a time for
// a server, holding back partial characters.
//
// Encoding merges pairs of int ids through a rank map keyed by the pair,
// caches the ids of recent words, and switches to a heap for very long
// pre-tokens so that no input takes quadratic time. BenchmarkEncode measures
// it on 1 MB of tinyshakespeare.
//
// # Training
//
// TrainBPE (or BPETrainer for text in several pieces) learns a byte-level
// BPE with GPT-2's pre-tokenization: it counts pre-tokens, merges the most
// frequent adjacent pair, updates pair counts incrementally, and ends the
// vocabulary with "<|endoftext|>". `golem tokenizer train` runs it on files.
//
// # Files
//
// Load looks at a model folder and loads whichever tokenizer is there:
// vocab.json and merges.txt, OpenAI's encoder.json and vocab.bpe, or
// Hugging Face's single-file tokenizer.json when it describes GPT-2's
// byte-level BPE (any other kind is refused with the reason).
// BPE.Save writes Hugging Face's vocab.json and merges.txt; Char.Save writes
// vocab_char.json ({"type":"char","chars":[...]}). All writes are atomic.
// Loading errors name the file and the line, column or token at fault.
package tokenizer
