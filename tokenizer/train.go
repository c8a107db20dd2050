package tokenizer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/golemml/golem/internal/minheap"
)

// BPETrainer learns a byte-level BPE from text added piece by piece (for
// example one file at a time, so that no pre-token spans two files).
//
// Training follows GPT-2's recipe: text is split with GPT-2's pre-tokenizer,
// identical pre-tokens are counted once with their frequency, every
// pre-token starts as one-byte tokens, and the most frequent adjacent pair
// (counted across all pre-tokens, weighted by frequency) is merged
// repeatedly. Ties go to the pair with the smaller first id, then the
// smaller second id (ids 0..255 are the bytes in GPT-2's bytes_to_unicode
// order, merged tokens follow in the order they were learned). Pair counts
// are updated incrementally: a merge only revisits the pre-tokens that
// contain the merged pair. Merging goes on while any pair is left, even one
// seen once (no minimum frequency).
//
// "<|endoftext|>" in the text is trained on as ordinary text; the trained
// vocabulary ends with the "<|endoftext|>" token.
type BPETrainer struct {
	words map[string]int64
	bytes int64
}

// NewBPETrainer returns an empty trainer.
func NewBPETrainer() *BPETrainer { return &BPETrainer{words: map[string]int64{}} }

// Add counts the pre-tokens of text.
func (t *BPETrainer) Add(text string) {
	t.bytes += int64(len(text))
	for len(text) > 0 {
		n := pretokenLen(text)
		w := text[:n]
		text = text[n:]
		if c, ok := t.words[w]; ok {
			t.words[w] = c + 1
		} else {
			t.words[strings.Clone(w)] = 1 // do not keep the whole text alive
		}
	}
}

// Bytes is the number of bytes added so far.
func (t *BPETrainer) Bytes() int64 { return t.bytes }

// TrainBPE trains a byte-level BPE with GPT-2's pre-tokenization on text, to
// vocabSize ids: 256 byte tokens, vocabSize-257 merged tokens and
// "<|endoftext|>" (id vocabSize-1). See BPETrainer.
func TrainBPE(text string, vocabSize int) (*BPE, error) {
	t := NewBPETrainer()
	t.Add(text)
	return t.Train(vocabSize)
}

type trainWord struct {
	syms  []int32
	count int64
}

// countEntry is a max-heap entry: a pair and its count when pushed.
type countEntry struct {
	count int64
	a, b  int32
}

// Before orders the trainer's heap: highest count first, ties to the pair
// with the smaller ids.
func (e countEntry) Before(o countEntry) bool {
	if e.count != o.count {
		return e.count > o.count
	}
	if e.a != o.a {
		return e.a < o.a
	}
	return e.b < o.b
}

// Train learns merges until the vocabulary has vocabSize ids (the last one
// "<|endoftext|>"), or until every pre-token is a single token, in which
// case the vocabulary is smaller: check VocabSize. vocabSize must be at
// least 257. When two merges give the same bytes (("a","bc") after
// ("ab","c")), the second reuses the first one's id, as Hugging Face's
// trainer does, so a vocabulary can hold fewer ids than 257 + merges.
func (t *BPETrainer) Train(vocabSize int) (*BPE, error) {
	if vocabSize < 257 {
		return nil, fmt.Errorf("train bpe: vocabulary size %d is below 257 (256 bytes and <|endoftext|>)", vocabSize)
	}
	if vocabSize > maxTokenID {
		return nil, fmt.Errorf("train bpe: vocabulary size %d is above %d", vocabSize, maxTokenID)
	}
	var byteToID [256]int32
	tokens := make([][]byte, 256, vocabSize)
	tokID := make(map[string]int32, vocabSize)
	for i, c := range byteOrder {
		byteToID[c] = int32(i)
		tokens[i] = []byte{c}
		tokID[string([]byte{c})] = int32(i)
	}

	keys := make([]string, 0, len(t.words))
	for w := range t.words {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	words := make([]trainWord, len(keys))
	pairs := map[uint64]int64{}
	where := map[uint64][]int32{}
	for wi, k := range keys {
		syms := make([]int32, len(k))
		for i := 0; i < len(k); i++ {
			syms[i] = byteToID[k[i]]
		}
		cnt := t.words[k]
		words[wi] = trainWord{syms, cnt}
		for i := 0; i+1 < len(syms); i++ {
			pk := pairKey(syms[i], syms[i+1])
			pairs[pk] += cnt
			where[pk] = append(where[pk], int32(wi))
		}
	}
	h := make(minheap.Heap[countEntry], 0, len(pairs))
	for pk, c := range pairs {
		h.Push(countEntry{c, int32(pk >> 32), int32(uint32(pk))})
	}

	var merges [][2]string
	merged := map[uint64]bool{}
	mark := make([]int32, len(words))
	stamp := int32(0)
	delta := map[uint64]int64{}
	for len(tokens) < vocabSize-1 && len(h) > 0 {
		e := h.Pop()
		pk := pairKey(e.a, e.b)
		if pairs[pk] != e.count {
			continue // stale: the count changed after this entry was pushed
		}
		a, b := e.a, e.b
		nb := string(tokens[a]) + string(tokens[b])
		c, ok := tokID[nb]
		if !ok {
			c = int32(len(tokens))
			tokens = append(tokens, []byte(nb))
			tokID[nb] = c
		}
		if !merged[pk] {
			// A pair can only come back after a merge reused an id; it is
			// then merged again here but listed once, at its first rank.
			merged[pk] = true
			merges = append(merges, [2]string{ByteString(tokens[a]), ByteString(tokens[b])})
		}

		stamp++
		clear(delta)
		for _, wi := range where[pk] {
			if mark[wi] == stamp {
				continue
			}
			mark[wi] = stamp
			w := &words[wi]
			s := w.syms
			has := false
			for i := 0; i+1 < len(s); i++ {
				if s[i] == a && s[i+1] == b {
					has = true
					break
				}
			}
			if !has {
				continue
			}
			for i := 0; i+1 < len(s); i++ {
				delta[pairKey(s[i], s[i+1])] -= w.count
			}
			j := 0
			for i := 0; i < len(s); j++ {
				if i+1 < len(s) && s[i] == a && s[i+1] == b {
					s[j] = c
					i += 2
				} else {
					s[j] = s[i]
					i++
				}
			}
			s = s[:j]
			w.syms = s
			for i := 0; i+1 < len(s); i++ {
				k := pairKey(s[i], s[i+1])
				delta[k] += w.count
				if s[i] == c || s[i+1] == c {
					where[k] = append(where[k], int32(wi))
				}
			}
		}
		delete(where, pk)
		for k, d := range delta {
			if d == 0 {
				continue
			}
			n := pairs[k] + d
			if n <= 0 {
				delete(pairs, k)
				continue
			}
			pairs[k] = n
			h.Push(countEntry{n, int32(k >> 32), int32(uint32(k))})
		}
	}

	encoder := make(map[string]int, len(tokens)+1)
	for id, tb := range tokens {
		encoder[ByteString(tb)] = id
	}
	if _, ok := encoder[EndOfText]; ok {
		return nil, fmt.Errorf("train bpe: %q was learned as an ordinary token", EndOfText)
	}
	encoder[EndOfText] = len(tokens)
	return NewBPE(encoder, merges)
}
