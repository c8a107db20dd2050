package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var c Config
	flag.StringVar(&c.Dir, "data", "../shared/data/sentiment", "sentiment data folder")
	flag.BoolVar(&c.RT, "rt", false, "use rt-polarity (Latin-1) instead of the UCI sentences")
	flag.IntVar(&c.Epochs, "epochs", 8, "max epochs (early stopping on val_accuracy)")
	flag.IntVar(&c.Batch, "batch", 32, "batch size")
	flag.IntVar(&c.MaxLen, "maxlen", 0, "padded length (default 40 UCI, 50 rt)")
	flag.Uint64Var(&c.Seed, "seed", 1, "seed for the split, initialization and shuffling")
	flag.IntVar(&c.Verbose, "verbose", 1, "0 silent, 1 progress, 2 one line per epoch")
	jsonOut := flag.Bool("json", false, `make the last line {"test_accuracy":A,"examples":N}`)
	flag.Parse()
	if _, err := os.Stat(c.Dir); err != nil {
		fmt.Fprintf(os.Stderr, "sentiment: data folder %s: %v (use -data DIR)\n", c.Dir, err)
		os.Exit(2)
	}
	r, err := Run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sentiment:", err)
		os.Exit(1)
	}
	if *jsonOut {
		fmt.Printf("{\"test_accuracy\":%.4f,\"examples\":%d}\n", r.TestAccuracy, r.Examples)
		return
	}
	fmt.Printf("test accuracy %.4f on %d held-out sentences (%d in all)\n", r.TestAccuracy, r.Test, r.Examples)
}
