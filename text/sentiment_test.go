package text

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/golemml/golem/internal/testenv"
)

// TestSentimentKeras fits a tokenizer on the 3000 UCI sentiment sentences
// and compares with the Keras transcription's output on the same files.
func TestSentimentKeras(t *testing.T) {
	var want struct {
		Files        []string
		NumTexts     int      `json:"num_texts"`
		VocabSize    int      `json:"vocab_size"`
		FirstWords   []string `json:"first_words"`
		Counts       []int    `json:"counts_of_first_words"`
		TotalIDs     int      `json:"total_ids"`
		SumIDs       int      `json:"sum_ids"`
		OOVIDs       int      `json:"oov_ids"`
		Picked       []int
		PickedSeqs   [][]int  `json:"picked_sequences"`
		PickedPadded [][]int  `json:"picked_padded"`
		PickedBack   []string `json:"picked_back"`
	}
	b, err := os.ReadFile(filepath.Join("testdata", "sentiment_fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, name := range want.Files {
		data, err := os.ReadFile(testenv.SharedData(t, "sentiment", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			text := line
			if i := strings.LastIndex(line, "\t"); i >= 0 {
				text = line[:i]
			}
			texts = append(texts, text)
		}
	}
	if len(texts) != want.NumTexts {
		t.Fatalf("%d sentences, want %d", len(texts), want.NumTexts)
	}
	tok := NewTokenizer()
	tok.NumWords, tok.OOVToken = 1000, "<OOV>"
	tok.FitOnTexts(texts)
	if len(tok.WordIndex) != want.VocabSize {
		t.Errorf("vocabulary of %d, want %d", len(tok.WordIndex), want.VocabSize)
	}
	voc := tok.Vocabulary()
	if !slices.Equal(voc[:len(want.FirstWords)], want.FirstWords) {
		t.Errorf("first words\n got %q\nwant %q", voc[:20], want.FirstWords[:20])
	}
	for i, w := range want.FirstWords {
		if tok.WordCounts[w] != want.Counts[i] {
			t.Errorf("count of %q = %d, want %d", w, tok.WordCounts[w], want.Counts[i])
		}
	}
	seqs := tok.TextsToSequences(texts)
	total, sum, oov := 0, 0, 0
	for _, s := range seqs {
		total += len(s)
		for _, id := range s {
			sum += id
			if id == 1 {
				oov++
			}
		}
	}
	if total != want.TotalIDs || sum != want.SumIDs || oov != want.OOVIDs {
		t.Errorf("ids: %d total, sum %d, %d OOV; want %d, %d, %d", total, sum, oov, want.TotalIDs, want.SumIDs, want.OOVIDs)
	}
	var picked [][]int
	for _, i := range want.Picked {
		picked = append(picked, seqs[i])
	}
	if !reflect.DeepEqual(picked, want.PickedSeqs) {
		t.Errorf("picked sequences\n got %v\nwant %v", picked, want.PickedSeqs)
	}
	if got := PadSequences(picked, PadOptions{MaxLen: 12}); !reflect.DeepEqual(got, want.PickedPadded) {
		t.Errorf("padded\n got %v\nwant %v", got, want.PickedPadded)
	}
	if got := tok.SequencesToTexts(picked); !slices.Equal(got, want.PickedBack) {
		t.Errorf("back to texts\n got %q\nwant %q", got, want.PickedBack)
	}
}
