package serve_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/serve"
	"github.com/golemml/golem/tokenizer"
)

// Serve a (random, tiny) GPT and ask it for a completion over HTTP, as any
// OpenAI client would.
func Example() {
	tok := tokenizer.NewChar("abcdefghijklmnopqrstuvwxyz .,\n")
	m := gpt.New(gpt.Config{NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 64, VocabSize: tok.VocabSize(), Bias: true}, 1)
	cfg, err := serve.ForGPT(m, tok)
	if err != nil {
		panic(err)
	}
	cfg.Name = "tiny"
	srv, err := serve.New(cfg)
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv) // golem serve uses an http.Server on --addr
	defer hs.Close()

	resp, err := http.Post(hs.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"model":"tiny","prompt":"once upon a time","max_tokens":5,"seed":7}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var r struct {
		Object  string
		Choices []struct {
			Text         string
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&r)
	fmt.Println(resp.StatusCode, r.Object, r.Choices[0].FinishReason, r.Usage.PromptTokens, r.Usage.CompletionTokens, len(r.Choices[0].Text))
	// Output: 200 text_completion length 16 5 5
}
