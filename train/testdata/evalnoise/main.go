// Command evalnoise measures how much a validation-loss estimate from a
// few random batches varies, for a model that golem train wrote from
// character-level tinyshakespeare (the GPT acceptance run): nanoGPT's
// CPU figure is one estimate over 20 batches of 12 windows of 64.
//
//	go run ./train/testdata/evalnoise -model out/shakespeare
//
// It draws -batches random validation batches (the last 10% of the text,
// as golem train and nanoGPT split it), prints their mean loss (close to
// the exact validation loss) and the spread of 20- and 100-batch means,
// and counts how many 20-batch means read at or below -line.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/tokenizer"
	"github.com/golemml/golem/train"
)

func main() {
	model := flag.String("model", "", "model folder written by golem train --tokenizer char")
	data := flag.String("data", "../shared/data/tinyshakespeare/input.txt", "the training text")
	batches := flag.Int("batches", 4000, "random validation batches to draw")
	line := flag.Float64("line", 1.88, "count 20-batch means at or below this")
	seed := flag.Uint64("seed", 99, "seed of the batches")
	flag.Parse()
	m, err := gpt.Load(*model)
	if err != nil {
		log.Fatal(err)
	}
	m.SetTraining(false)
	tok, err := tokenizer.LoadChar(*model)
	if err != nil {
		log.Fatal(err)
	}
	text, err := os.ReadFile(*data)
	if err != nil {
		log.Fatal(err)
	}
	ids, err := tok.EncodeStrict(string(text))
	if err != nil {
		log.Fatal(err)
	}
	_, val := train.Split(ids, 0.9)
	const B, T = 12, 64
	b := train.NewBatcher(*seed)
	ls := make([]float64, *batches)
	var sum, sq float64
	for i := range ls {
		x, y := b.Batch(val, B, T)
		ls[i] = float64(m.Forward(x, B, T, y))
		sum += ls[i]
		sq += ls[i] * ls[i]
	}
	n := float64(len(ls))
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	below, groups := 0, len(ls)/20
	for g := range groups {
		var s float64
		for _, v := range ls[20*g : 20*g+20] {
			s += v
		}
		if s/20 <= *line {
			below++
		}
	}
	fmt.Printf("%d batches of %dx%d: mean loss %.4f; sd of one batch %.4f, of a 20-batch mean %.4f, of a 100-batch mean %.4f\n",
		len(ls), B, T, mean, sd, sd/math.Sqrt(20), sd/math.Sqrt(100))
	fmt.Printf("20-batch means at or below %.3f: %d of %d\n", *line, below, groups)
}
