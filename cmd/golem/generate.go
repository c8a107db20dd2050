package main

import (
	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/sampling"
	"github.com/golemml/golem/tokenizer"
)

// generate streams up to maxNew tokens after prompt into sw, stopping at
// eot or when sw sees its stop string. It returns the number of tokens
// generated.
func generate(m *gpt.Model, tok tokenizer.Tokenizer, prompt []int, maxNew int, smp *sampling.Sampler, sw *stopWriter) int {
	if maxNew == 0 {
		return 0
	}
	m.SetTraining(false)
	dec := tokenizer.NewStreamDecoder(tok)
	n := 0
	m.Generate(cropPrompt(m, prompt), maxNew, smp, eotOf(tok), func(id int) bool {
		n++
		return sw.write(dec.Add(id))
	})
	if !sw.stopped {
		sw.write(dec.Flush())
	}
	sw.flush()
	return n
}
