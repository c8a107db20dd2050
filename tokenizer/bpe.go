package tokenizer

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/golemml/golem/internal/minheap"
)

// EndOfText is GPT-2's special token separating documents.
const EndOfText = "<|endoftext|>"

// BPE is GPT-2's byte-level byte-pair encoding: text is split into
// pre-tokens (see Pretokenize), each pre-token's UTF-8 bytes start as
// one-byte tokens, and adjacent pairs are merged by rank, lowest first, as
// OpenAI's encoder.py does, until no ranked pair is left.
//
// Encode treats "<|endoftext|>" in the text as ordinary text (as encoder.py
// does: it becomes "<", "|", "endoftext", "|", ">"), so user text can never
// forge a document boundary; EncodeWithSpecial maps it to EOT.
//
// A BPE is safe for concurrent use.
type BPE struct {
	encoder map[string]int // token (byte-to-unicode form) -> id
	tokens  [][]byte       // id -> raw bytes; nil where no token has the id
	strs    []string       // id -> token as given
	merges  [][2]string    // in rank order
	// ranks maps a pair of ids, packed as a<<32|b, to rank<<32|merged id.
	ranks  map[uint64]uint64
	byteID [256]int32 // id of each one-byte token
	eot    int

	mu    sync.RWMutex
	cache map[string][]int32
}

// Limits on what NewBPE accepts, so that a hostile file cannot make it
// allocate much more than the file's own size.
const (
	maxTokenID = 1 << 24
	cacheMax   = 1 << 16 // words cached before the cache is cleared
	cacheWord  = 64      // longest word (bytes) that is cached
)

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// NewBPE builds a byte-level BPE from a vocabulary (token in GPT-2's
// byte-to-unicode form -> id, as in vocab.json / encoder.json) and merges in
// rank order (as in merges.txt / vocab.bpe). Every one of the 256 one-byte
// tokens must be in the vocabulary, and both halves of every merge and their
// concatenation too. A merge listed twice keeps its later rank, as
// encoder.py's dict does.
func NewBPE(encoder map[string]int, merges [][2]string) (*BPE, error) {
	return newBPE(encoder, merges, func(i int) string { return fmt.Sprintf("merge %d", i) })
}

// newBPE is NewBPE with a function naming merge i in errors (file:line).
func newBPE(encoder map[string]int, merges [][2]string, where func(i int) string) (*BPE, error) {
	if len(encoder) == 0 {
		return nil, fmt.Errorf("bpe: empty vocabulary")
	}
	// Visit tokens in sorted order so that the first error reported does
	// not depend on map order.
	toks := make([]string, 0, len(encoder))
	for tok := range encoder {
		toks = append(toks, tok)
	}
	sort.Strings(toks)
	maxID := -1
	for _, tok := range toks {
		id := encoder[tok]
		if id < 0 || id >= maxTokenID {
			return nil, fmt.Errorf("bpe: vocabulary: token %q has id %d, outside [0, %d)", tok, id, maxTokenID)
		}
		if id > maxID {
			maxID = id
		}
	}
	if maxID >= 2*len(encoder)+1024 {
		return nil, fmt.Errorf("bpe: vocabulary: ids are too sparse: largest id %d for %d tokens", maxID, len(encoder))
	}
	b := &BPE{
		encoder: make(map[string]int, len(encoder)),
		tokens:  make([][]byte, maxID+1),
		ranks:   make(map[uint64]uint64, len(merges)),
		eot:     -1,
		cache:   make(map[string][]int32),
	}
	owner := make([]string, maxID+1)
	b.strs = owner
	for _, tok := range toks {
		id := encoder[tok]
		if tok == "" {
			return nil, fmt.Errorf("bpe: vocabulary: empty token (id %d)", id)
		}
		if !utf8.ValidString(tok) {
			return nil, fmt.Errorf("bpe: vocabulary: token %q (id %d) is not valid UTF-8", tok, id)
		}
		if b.tokens[id] != nil {
			return nil, fmt.Errorf("bpe: vocabulary: tokens %q and %q share id %d", owner[id], tok, id)
		}
		b.encoder[tok] = id
		b.tokens[id] = tokenBytes(tok)
		owner[id] = tok
	}
	for c := 0; c < 256; c++ {
		id, ok := encoder[string(byteRune[c])]
		if !ok {
			return nil, fmt.Errorf("bpe: vocabulary: no token for byte 0x%02x (%q)", c, string(byteRune[c]))
		}
		b.byteID[c] = int32(id)
	}
	if id, ok := encoder[EndOfText]; ok {
		b.eot = id
	}
	// Later duplicates win, as in encoder.py's dict(zip(merges, range(n))).
	last := make(map[[2]string]int, len(merges))
	for i, m := range merges {
		last[m] = i
	}
	b.merges = make([][2]string, 0, len(last))
	for i, m := range merges {
		if last[m] != i {
			continue
		}
		ia, ok1 := encoder[m[0]]
		ib, ok2 := encoder[m[1]]
		ic, ok3 := encoder[m[0]+m[1]]
		switch {
		case !ok1:
			return nil, fmt.Errorf("bpe: %s: token %q is not in the vocabulary", where(i), m[0])
		case !ok2:
			return nil, fmt.Errorf("bpe: %s: token %q is not in the vocabulary", where(i), m[1])
		case !ok3:
			return nil, fmt.Errorf("bpe: %s: merged token %q is not in the vocabulary", where(i), m[0]+m[1])
		}
		rank := uint64(len(b.merges))
		b.ranks[pairKey(int32(ia), int32(ib))] = rank<<32 | uint64(uint32(ic))
		b.merges = append(b.merges, m)
	}
	return b, nil
}

// VocabSize is one more than the largest id, the size of a model's
// embedding table (50257 for GPT-2).
func (b *BPE) VocabSize() int { return len(b.tokens) }

// EOT is the id of "<|endoftext|>" (50256 for GPT-2), or -1 when the
// vocabulary has no such token.
func (b *BPE) EOT() int { return b.eot }

// Merges returns the merges in rank order (a copy).
func (b *BPE) Merges() [][2]string { return append([][2]string(nil), b.merges...) }

// Vocab returns the vocabulary, token (byte-to-unicode form) -> id (a copy).
func (b *BPE) Vocab() map[string]int {
	m := make(map[string]int, len(b.encoder))
	for k, v := range b.encoder {
		m[k] = v
	}
	return m
}

// TokenBytes returns the raw bytes of token id, or nil when no token has it.
func (b *BPE) TokenBytes(id int) []byte {
	if id < 0 || id >= len(b.tokens) {
		return nil
	}
	return b.tokens[id]
}

// Encode returns the GPT-2 token ids of text. Invalid UTF-8 is encoded byte
// by byte, so Decode gives back exactly the input bytes.
func (b *BPE) Encode(text string) []int {
	ids := make([]int, 0, len(text)/3+1)
	return b.appendEncode(ids, text)
}

// EncodeWithSpecial is Encode except that each literal "<|endoftext|>"
// becomes the EOT id (when the vocabulary has one).
func (b *BPE) EncodeWithSpecial(text string) []int {
	if b.eot < 0 {
		return b.Encode(text)
	}
	ids := make([]int, 0, len(text)/3+1)
	for {
		i := strings.Index(text, EndOfText)
		if i < 0 {
			return b.appendEncode(ids, text)
		}
		ids = b.appendEncode(ids, text[:i])
		ids = append(ids, b.eot)
		text = text[i+len(EndOfText):]
	}
}

func (b *BPE) appendEncode(ids []int, text string) []int {
	var scratch []int32
	for len(text) > 0 {
		n := pretokenLen(text)
		word := text[:n]
		text = text[n:]
		if n == 1 {
			ids = append(ids, int(b.byteID[word[0]]))
			continue
		}
		if n <= cacheWord {
			b.mu.RLock()
			got, ok := b.cache[word]
			b.mu.RUnlock()
			if ok {
				for _, id := range got {
					ids = append(ids, int(id))
				}
				continue
			}
		}
		scratch = b.bpeWord(scratch[:0], word)
		for _, id := range scratch {
			ids = append(ids, int(id))
		}
		if n <= cacheWord {
			b.mu.Lock()
			if len(b.cache) >= cacheMax {
				clear(b.cache)
			}
			b.cache[strings.Clone(word)] = append([]int32(nil), scratch...)
			b.mu.Unlock()
		}
	}
	return ids
}

// bpeWord appends to syms the one-byte ids of word and merges them.
func (b *BPE) bpeWord(syms []int32, word string) []int32 {
	for i := 0; i < len(word); i++ {
		syms = append(syms, b.byteID[word[i]])
	}
	if len(syms) > heapWord {
		return b.mergeHeap(syms)
	}
	return b.mergeSimple(syms)
}

// heapWord is the word length above which merging uses a heap
// (O(n log n)) rather than rescanning the word for each merge (O(n²)).
const heapWord = 48

// mergeSimple is encoder.py's bpe loop: find the lowest-ranked adjacent
// pair, merge all its occurrences left to right, repeat.
func (b *BPE) mergeSimple(syms []int32) []int32 {
	for len(syms) > 1 {
		best, at := uint64(1<<64-1), -1
		for i := 0; i+1 < len(syms); i++ {
			if v, ok := b.ranks[pairKey(syms[i], syms[i+1])]; ok && v < best {
				best, at = v, i
			}
		}
		if at < 0 {
			break
		}
		first, second, merged := syms[at], syms[at+1], int32(uint32(best))
		j := at
		for i := at; i < len(syms); j++ {
			if i+1 < len(syms) && syms[i] == first && syms[i+1] == second {
				syms[j] = merged
				i += 2
			} else {
				syms[j] = syms[i]
				i++
			}
		}
		syms = syms[:j]
	}
	return syms
}

// mergeHeap gives the same result as mergeSimple on long words. Symbols
// form a linked list; a min-heap holds candidate pairs ordered by (rank,
// position). All occurrences of the lowest-ranked pair are merged left to
// right before any pair created by those merges is considered, exactly as
// in encoder.py's rounds.
func (b *BPE) mergeHeap(syms []int32) []int32 {
	n := len(syms)
	next := make([]int32, n)
	prev := make([]int32, n)
	for i := range syms {
		next[i] = int32(i + 1)
		prev[i] = int32(i - 1)
	}
	next[n-1] = -1
	h := make(minheap.Heap[pairEntry], 0, n)
	for i := 0; i+1 < n; i++ {
		if v, ok := b.ranks[pairKey(syms[i], syms[i+1])]; ok {
			h = append(h, pairEntry{rank: uint32(v >> 32), pos: int32(i), a: syms[i], b: syms[i+1]})
		}
	}
	h.Init()
	var pending []pairEntry
	consider := func(p int32) {
		q := next[p]
		if p < 0 || q < 0 {
			return
		}
		if v, ok := b.ranks[pairKey(syms[p], syms[q])]; ok {
			pending = append(pending, pairEntry{rank: uint32(v >> 32), pos: p, a: syms[p], b: syms[q]})
		}
	}
	for len(h) > 0 {
		rank := h[0].rank
		pending = pending[:0]
		for len(h) > 0 && h[0].rank == rank {
			e := h.Pop()
			p := e.pos
			if syms[p] != e.a {
				continue // p was merged or consumed (consumed ones are -1)
			}
			q := next[p]
			if q < 0 || syms[q] != e.b {
				continue
			}
			syms[p] = int32(uint32(b.ranks[pairKey(e.a, e.b)]))
			syms[q] = -1
			r := next[q]
			next[p] = r
			if r >= 0 {
				prev[r] = p
			}
			if prev[p] >= 0 {
				consider(prev[p])
			}
			consider(p)
		}
		for _, e := range pending {
			h.Push(e)
		}
	}
	out := syms[:0]
	for p := int32(0); p >= 0; p = next[p] {
		out = append(out, syms[p])
	}
	return out
}

type pairEntry struct {
	rank uint32
	pos  int32
	a, b int32
}

// Before orders the merge heap: lowest rank first, then leftmost.
func (e pairEntry) Before(o pairEntry) bool {
	if e.rank != o.rank {
		return e.rank < o.rank
	}
	return e.pos < o.pos
}

// Decode concatenates the bytes of the tokens. It is lossless: the result
// holds exactly the bytes the ids stand for, so Decode(Encode(s)) == s for
// every string s, valid UTF-8 or not. Ids that no token has (such as the
// padding ids of a model whose embedding table is rounded up) are skipped.
// Use DecodeReplace for text that must be valid UTF-8.
func (b *BPE) Decode(ids []int) string {
	n := 0
	for _, id := range ids {
		if id >= 0 && id < len(b.tokens) {
			n += len(b.tokens[id])
		}
	}
	out := make([]byte, 0, n)
	for _, id := range ids {
		if id >= 0 && id < len(b.tokens) {
			out = append(out, b.tokens[id]...)
		}
	}
	return string(out)
}

// DecodeReplace is Decode followed by ToValidUTF8: the text encoder.py's
// decode returns (bytes.decode("utf-8", errors="replace")).
func (b *BPE) DecodeReplace(ids []int) string { return ToValidUTF8(b.Decode(ids)) }

// sortedIDs returns the ids that have tokens, ascending.
func (b *BPE) sortedIDs() []int {
	ids := make([]int, 0, len(b.encoder))
	for _, id := range b.encoder {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}
