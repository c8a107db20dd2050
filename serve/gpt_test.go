package serve

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/sampling"
	"github.com/golemml/golem/tokenizer"
	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

// printable is "\n" and printable ASCII: the character set of the tiny
// end-to-end model.
func printable() string {
	var b strings.Builder
	b.WriteByte('\n')
	for c := byte(' '); c <= '~'; c++ {
		b.WriteByte(c)
	}
	return b.String()
}

// TestGPTEndToEnd saves a tiny random GPT with a character tokenizer in a
// folder, serves it with LoadDir, and checks that greedy replies from
// concurrent (batched) requests equal gpt.Model.Generate on each prompt
// alone with the same sampler (temperature 1, the request's seed).
func TestGPTEndToEnd(t *testing.T) {
	tok := tokenizer.NewChar(printable())
	m := gpt.New(gpt.Config{NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 64, VocabSize: tok.VocabSize(), Bias: true}, 42)
	dir := filepath.Join(t.TempDir(), "tiny-char")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "tiny-char" || cfg.EOT != -1 || cfg.Template.Name != "default" {
		t.Fatalf("LoadDir: name %q eot %d template %q", cfg.Name, cfg.EOT, cfg.Template.Name)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer func() { hs.Close(); s.Close() }()
	c := openai.NewClient(option.WithBaseURL(hs.URL+"/v1/"), option.WithAPIKey("x"), option.WithMaxRetries(0))

	questions := []string{"Hi", "What is the capital of France?", "Tell me a story about a cat."}
	const maxNew = 12
	want := make([]string, len(questions))
	for i, q := range questions {
		prompt, _ := cfg.Template.Apply([]Message{{"user", q}})
		smp := sampling.New(sampling.Options{Temperature: 1, TopP: 1}, uint64(100+i))
		ids := m.Generate(tok.Encode(prompt), maxNew, smp, -1, nil)
		want[i] = tok.Decode(ids)
	}
	got := make([]string, len(questions))
	errs := make([]error, len(questions))
	var wg sync.WaitGroup
	for i, q := range questions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
				Model:     "tiny-char",
				Messages:  []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q)},
				Seed:      openai.Int(int64(100 + i)),
				MaxTokens: openai.Int(maxNew),
			})
			if err != nil {
				errs[i] = err
				return
			}
			got[i] = r.Choices[0].Message.Content
		}()
	}
	wg.Wait()
	for i := range questions {
		if errs[i] != nil || got[i] != want[i] || len(got[i]) != maxNew {
			t.Errorf("question %d: served %q (err %v), Generate gave %q", i, got[i], errs[i], want[i])
		}
	}

	// A prompt longer than the 64-token context is refused.
	_, err = c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(strings.Repeat("long ", 20))},
	})
	var ae *openai.Error
	if !errorsAs(err, &ae) || ae.StatusCode != 400 || ae.Code != "context_length_exceeded" {
		t.Errorf("long prompt: %v", err)
	}
}

func TestLoadDirErrors(t *testing.T) {
	if _, err := LoadDir(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Error("LoadDir of a missing folder succeeded")
	}
	// A model without tokenizer files.
	dir := t.TempDir()
	m := gpt.New(gpt.Config{NLayer: 1, NHead: 1, NEmbd: 8, BlockSize: 8, VocabSize: 10, Bias: true}, 1)
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "tokenizer") {
		t.Errorf("no tokenizer: %v", err)
	}
	// A tokenizer larger than the model's vocabulary.
	if err := tokenizer.NewChar(printable()).Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "tokens but the model only") {
		t.Errorf("vocabulary mismatch: %v", err)
	}
}
