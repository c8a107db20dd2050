package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var c Config
	summary := flag.Bool("summary", false, "print the model summary and exit")
	flag.StringVar(&c.Data, "data", "", "text file to train on (default ../shared/data/tinyshakespeare/input.txt)")
	flag.IntVar(&c.Epochs, "epochs", 1, "epochs")
	flag.IntVar(&c.Batch, "batch", 64, "batch size")
	flag.IntVar(&c.SeqLen, "seqlen", 100, "words per window (time steps)")
	flag.IntVar(&c.Steps, "steps", 0, "max batches per epoch (0: all)")
	flag.Uint64Var(&c.Seed, "seed", 1, "random seed")
	flag.Float64Var(&c.LR, "lr", 1e-3, "Adam learning rate")
	flag.IntVar(&c.Verbose, "verbose", 1, "0 silent, 1 progress bar, 2 one line per epoch")
	flag.Parse()
	if *summary {
		m, err := BuildModel(c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "seed:", err)
			os.Exit(1)
		}
		m.Summary(os.Stdout)
		return
	}
	if c.Data == "" {
		p, err := DefaultData()
		if err != nil {
			fmt.Fprintln(os.Stderr, "seed:", err)
			os.Exit(2)
		}
		c.Data = p
	}
	if _, err := Train(c); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}
