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
	m.SetTraining(false)
	return generateIn(m.NewSession(), tok, cropPrompt(m, prompt), maxNew, smp, sw)
}

// generateIn is generate in a session, whose cache may already hold the
// start of prompt (a chat's earlier turns).
func generateIn(se *gpt.Session, tok tokenizer.Tokenizer, prompt []int, maxNew int, smp *sampling.Sampler, sw *stopWriter) int {
	if maxNew == 0 {
		return 0
	}
	dec := tokenizer.NewStreamDecoder(tok)
	n := 0
	se.Generate(prompt, maxNew, smp, eotOf(tok), func(id int) bool {
		n++
		return sw.write(dec.Add(id))
	})
	if !sw.stopped {
		sw.write(dec.Flush())
	}
	sw.flush()
	return n
}
