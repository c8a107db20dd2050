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

// TestGPTPrefixReuse: a chat's second turn resends the first; the server
// finds the first turn's tokens in the cache that request left, feeds only
// the rest, reports them as cached_tokens, and replies what a fresh
// gpt.Model.Generate of the whole prompt does.
func TestGPTPrefixReuse(t *testing.T) {
	tok := tokenizer.NewChar(printable())
	m := gpt.New(gpt.Config{NLayer: 2, NHead: 2, NEmbd: 32, BlockSize: 96, VocabSize: tok.VocabSize(), Bias: true}, 43)
	cfg, err := ForGPT(m, tok)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Name = "tiny"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer func() { hs.Close(); s.Close() }()
	c := openai.NewClient(option.WithBaseURL(hs.URL+"/v1/"), option.WithAPIKey("x"), option.WithMaxRetries(0))
	tmpl := DefaultTemplate()
	const maxNew = 10

	ask := func(msgs []openai.ChatCompletionMessageParamUnion, seed int64) *openai.ChatCompletion {
		t.Helper()
		r, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
			Model: "tiny", Messages: msgs, Seed: openai.Int(seed), MaxTokens: openai.Int(maxNew),
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1 := ask([]openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello there")}, 1)
	reply1 := r1.Choices[0].Message.Content
	p1, _ := tmpl.Apply([]Message{{"user", "Hello there"}})
	// The first request's state holds its prompt and all but its last token.
	held := tok.Encode(p1 + reply1)
	held = held[:len(held)-1]

	p2, _ := tmpl.Apply([]Message{{"user", "Hello there"}, {"assistant", reply1}, {"user", "And then?"}})
	ids2 := tok.Encode(p2)
	wantCached := 0
	for wantCached < len(held) && wantCached < len(ids2)-1 && held[wantCached] == ids2[wantCached] {
		wantCached++
	}
	if wantCached < len(tok.Encode(p1)) {
		t.Fatalf("the second prompt shares only %d tokens with the first turn", wantCached)
	}
	smp := sampling.New(sampling.Options{Temperature: 1, TopP: 1}, 2)
	want := tok.Decode(m.Generate(ids2, maxNew, smp, -1, nil))
	r2 := ask([]openai.ChatCompletionMessageParamUnion{
		openai.UserMessage("Hello there"), openai.AssistantMessage(reply1), openai.UserMessage("And then?"),
	}, 2)
	if got := r2.Choices[0].Message.Content; got != want {
		t.Errorf("second turn %q, fresh Generate %q", got, want)
	}
	if r1.Usage.PromptTokensDetails.CachedTokens != 0 || r2.Usage.PromptTokensDetails.CachedTokens != int64(wantCached) {
		t.Errorf("cached_tokens %d then %d, want 0 then %d", r1.Usage.PromptTokensDetails.CachedTokens, r2.Usage.PromptTokensDetails.CachedTokens, wantCached)
	}
	if r2.Usage.PromptTokens != int64(len(ids2)) {
		t.Errorf("prompt_tokens %d, want %d", r2.Usage.PromptTokens, len(ids2))
	}
}

// truncState is a State that remembers its tokens and can be truncated.
type truncState struct{ toks []int }

func (s *truncState) Len() int       { return len(s.toks) }
func (s *truncState) Reset()         { s.toks = s.toks[:0] }
func (s *truncState) Truncate(n int) { s.toks = s.toks[:n] }
func (s *truncState) ids() []int     { return append([]int(nil), s.toks...) }
func freeOf(toks ...int) freeState {
	st := &truncState{toks: toks}
	return freeState{st: st, ids: st.ids()}
}
func pendingOf(toks ...int) *sequence { return &sequence{pending: toks} }

// The scheduler reuses the free state holding the longest prefix of a new
// prompt, feeding at least the prompt's last token; with none it takes the
// state freed first.
func TestSchedulerPrefixChoice(t *testing.T) {
	s := newScheduler(&bigramModel{ctxLen: 64}, testEOT, 4, 4, 0, &metrics{})
	s.free = []freeState{freeOf(1, 2, 3), freeOf(1, 2, 3, 4, 5, 6), freeOf(1, 9), {st: &bigramState{}}}
	q := pendingOf(1, 2, 3, 4, 7)
	st := s.newState(q).(*truncState)
	if got := st.toks; len(got) != 4 || q.cached != 4 || len(q.pending) != 1 || q.pending[0] != 7 || len(q.fed) != 4 {
		t.Fatalf("took a state holding %v: cached %d, pending %v, fed %v", got, q.cached, q.pending, q.fed)
	}
	q = pendingOf(1, 2, 3) // all held by the first: its last token is fed again
	st = s.newState(q).(*truncState)
	if q.cached != 2 || len(q.pending) != 1 || q.pending[0] != 3 || len(st.toks) != 2 {
		t.Fatalf("whole prompt held: cached %d, pending %v, state %v", q.cached, q.pending, st.toks)
	}
	q = pendingOf(5, 5)
	if st := s.newState(q); q.cached != 0 || len(q.pending) != 2 || st.Len() != 0 {
		t.Fatalf("no prefix: cached %d, pending %v, state of %d", q.cached, q.pending, st.Len())
	}
	if len(s.free) != 1 {
		t.Fatalf("%d free states left, want 1", len(s.free))
	}
	if s.metrics.cachedTokens.Load() != 6 {
		t.Errorf("cached tokens metric %d, want 6", s.metrics.cachedTokens.Load())
	}
}
