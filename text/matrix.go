package text

import (
	"errors"
	"fmt"
	"math"
)

// TextsToMatrix is TextsToSequences followed by SequencesToMatrix.
func (t *Tokenizer) TextsToMatrix(texts []string, mode string) ([][]float64, error) {
	return t.SequencesToMatrix(t.TextsToSequences(texts), mode)
}

// SequencesToMatrix turns id sequences into a bag-of-words matrix, as
// Keras's sequences_to_matrix: one row per sequence, NumWords columns (or
// len(WordIndex)+1 when NumWords is 0), ids at or beyond the width ignored.
// mode is "binary" (1 where an id occurs), "count", "freq" (count divided by
// the sequence's length) or "tfidf" ((1+ln count)·ln(1+DocumentCount/(1+
// IndexDocs[id]))). Negative ids are ignored (Keras would index from the
// end of the row).
func (t *Tokenizer) SequencesToMatrix(seqs [][]int, mode string) ([][]float64, error) {
	width := t.NumWords
	if width <= 0 {
		if len(t.WordIndex) == 0 {
			return nil, errors.New("text: SequencesToMatrix: specify NumWords or fit the tokenizer first")
		}
		width = len(t.WordIndex) + 1
	}
	switch mode {
	case "binary", "count", "freq":
	case "tfidf":
		if t.DocumentCount == 0 {
			return nil, errors.New("text: SequencesToMatrix: fit the tokenizer before using tfidf mode")
		}
	default:
		return nil, fmt.Errorf("text: SequencesToMatrix: unknown mode %q (want binary, count, freq or tfidf)", mode)
	}
	const maxCells = 1 << 28
	if len(seqs) > 0 && width > maxCells/len(seqs) {
		return nil, fmt.Errorf("text: SequencesToMatrix: %d rows of %d columns exceed %d cells", len(seqs), width, maxCells)
	}
	flat := make([]float64, len(seqs)*width)
	out := make([][]float64, len(seqs))
	counts := map[int]int{}
	for i, seq := range seqs {
		row := flat[i*width : (i+1)*width : (i+1)*width]
		out[i] = row
		if len(seq) == 0 {
			continue
		}
		clear(counts)
		for _, j := range seq {
			if j >= 0 && j < width {
				counts[j]++
			}
		}
		for j, c := range counts {
			switch mode {
			case "count":
				row[j] = float64(c)
			case "freq":
				row[j] = float64(c) / float64(len(seq))
			case "binary":
				row[j] = 1
			case "tfidf":
				tf := 1 + math.Log(float64(c))
				idf := math.Log(1 + float64(t.DocumentCount)/float64(1+t.IndexDocs[j]))
				row[j] = tf * idf
			}
		}
	}
	return out, nil
}

// FitOnSequences updates DocumentCount and IndexDocs (the number of
// sequences each id occurs in) from id sequences, as Keras's
// fit_on_sequences; it is what SequencesToMatrix's "tfidf" mode needs when
// FitOnTexts was never called.
func (t *Tokenizer) FitOnSequences(seqs [][]int) {
	if t.IndexDocs == nil {
		t.IndexDocs = map[int]int{}
	}
	t.DocumentCount += len(seqs)
	seen := map[int]bool{}
	for _, s := range seqs {
		clear(seen)
		for _, id := range s {
			if !seen[id] {
				seen[id] = true
				t.IndexDocs[id]++
			}
		}
	}
}
