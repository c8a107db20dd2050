package main

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/golemml/golem/internal/testenv"
)

func TestSummaryMatchesKeras(t *testing.T) {
	m, err := BuildModel(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	m.Summary(&b)
	for _, want := range []string{
		`Model: "sequential"`,
		" embedding (Embedding)       (None, 100, 256)          2,560,000 ",
		" lstm (LSTM)                 (None, 100, 128)          197,120   ",
		" time_distributed (TimeDistr  (None, 100, 10000)       1,290,000 ",
		"Total params: 4,047,120\n",
		"Trainable params: 4,047,120\n",
		"Non-trainable params: 0\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

// A reduced run (vocabulary 300, 32-wide layers, short windows) of the
// same pipeline: the language model must beat the uniform guess and the
// validation loss must fall.
func TestTrainSmall(t *testing.T) {
	var out bytes.Buffer
	h, err := Train(Config{
		Data: testenv.SharedData(t, "tinyshakespeare", "input.txt"), Epochs: 3, Batch: 32, SeqLen: 16, Steps: 20, Vocab: 300,
		EmbedDim: 32, Units: 32, LR: 5e-3, Seed: 1, MaxWindows: 800, Verbose: 2, Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	vl := h.History["val_loss"]
	if len(vl) != 3 {
		t.Fatalf("history %v", h.History)
	}
	if !(vl[2] < vl[0]) || vl[2] > math.Log(300)-0.5 {
		t.Errorf("val_loss %v: want falling and well under ln(300)=%.2f", vl, math.Log(300))
	}
	if acc := h.History["accuracy"][2]; acc < 0.05 {
		t.Errorf("accuracy %v after 3 epochs", acc)
	}
	if !strings.Contains(out.String(), "Epoch 3/3\n20/20 - ") {
		t.Errorf("progress output:\n%s", out.String())
	}
}
