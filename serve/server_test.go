package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

// The bigram model's greedy continuation of a prompt ending in ':'.
const alphabet = " abcdefghijklmnopqrstuvwxyz."

func client(hs *httptest.Server, key string) openai.Client {
	opts := []option.RequestOption{option.WithBaseURL(hs.URL + "/v1/"), option.WithMaxRetries(0)}
	if key != "" {
		opts = append(opts, option.WithAPIKey(key))
	} else {
		opts = append(opts, option.WithAPIKey("unused"))
	}
	return openai.NewClient(opts...)
}

func chatParams(msg string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:       "bigram",
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage(msg)},
		Temperature: openai.Float(0),
	}
}

func TestChatWithOpenAIClient(t *testing.T) {
	_, hs := newTestServer(t, Config{}, nil)
	c := client(hs, "")
	ctx := context.Background()
	prompt := len("User: hi\nAssistant:")

	t.Run("greedy to end of text", func(t *testing.T) {
		r, err := c.Chat.Completions.New(ctx, chatParams("hi"))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Choices) != 1 || r.Choices[0].Message.Content != alphabet || r.Choices[0].FinishReason != "stop" {
			t.Fatalf("got %+v", r.Choices)
		}
		if r.Object != "chat.completion" || r.Model != "bigram" || !strings.HasPrefix(r.ID, "chatcmpl-") || r.Choices[0].Message.Role != "assistant" {
			t.Errorf("envelope: %s %s %s", r.Object, r.Model, r.ID)
		}
		if r.Usage.PromptTokens != int64(prompt) || r.Usage.CompletionTokens != int64(len(alphabet)) || r.Usage.TotalTokens != int64(prompt+len(alphabet)) {
			t.Errorf("usage %+v", r.Usage)
		}
	})
	t.Run("max_tokens", func(t *testing.T) {
		p := chatParams("hi")
		p.MaxTokens = openai.Int(5)
		r, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Choices[0]; got.Message.Content != " abcd" || got.FinishReason != "length" || r.Usage.CompletionTokens != 5 {
			t.Errorf("got %q %s usage %+v", got.Message.Content, got.FinishReason, r.Usage)
		}
	})
	t.Run("stop strings", func(t *testing.T) {
		p := chatParams("hi")
		p.Stop = openai.ChatCompletionNewParamsStopUnion{OfStringArray: []string{"xyz", "ghi"}}
		r, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Choices[0]; got.Message.Content != " abcdef" || got.FinishReason != "stop" {
			t.Errorf("got %q %s", got.Message.Content, got.FinishReason)
		}
	})
	t.Run("stream", func(t *testing.T) {
		p := chatParams("hi")
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
		p.Stop = openai.ChatCompletionNewParamsStopUnion{OfString: openai.String("opq")}
		st := c.Chat.Completions.NewStreaming(ctx, p)
		var text strings.Builder
		var finish string
		var deltas int
		var u *openai.CompletionUsage
		for st.Next() {
			ch := st.Current()
			if ch.Object != "chat.completion.chunk" {
				t.Errorf("object %q", ch.Object)
			}
			for _, cc := range ch.Choices {
				if cc.Delta.Content != "" {
					deltas++
				}
				text.WriteString(cc.Delta.Content)
				if cc.FinishReason != "" {
					finish = cc.FinishReason
				}
			}
			if ch.JSON.Usage.Valid() && ch.Usage.TotalTokens > 0 {
				uu := ch.Usage
				u = &uu
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		// "o" could start "opq", so it is held back, then dropped with the stop.
		if text.String() != " abcdefghijklmn" || finish != "stop" {
			t.Errorf("streamed %q finish %q", text.String(), finish)
		}
		if deltas < 10 {
			t.Errorf("only %d content chunks: the reply was not streamed token by token", deltas)
		}
		if u == nil || u.PromptTokens != int64(prompt) || u.CompletionTokens != int64(len(" abcdefghijklmnopq")) {
			t.Errorf("usage %+v", u)
		}
	})
	t.Run("n choices with seed", func(t *testing.T) {
		p := openai.ChatCompletionNewParams{
			Model:     "bigram",
			Messages:  []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("s"), openai.UserMessage("hi")},
			N:         openai.Int(4),
			Seed:      openai.Int(7),
			MaxTokens: openai.Int(12),
		}
		a, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Chat.Completions.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Choices) != 4 {
			t.Fatalf("%d choices", len(a.Choices))
		}
		seen := map[string]bool{}
		for i := range a.Choices {
			if a.Choices[i].Index != int64(i) || a.Choices[i].Message.Content != b.Choices[i].Message.Content {
				t.Errorf("choice %d: %q vs %q: same seed must give the same text", i, a.Choices[i].Message.Content, b.Choices[i].Message.Content)
			}
			seen[a.Choices[i].Message.Content] = true
		}
		if len(seen) < 2 {
			t.Errorf("all 4 sampled choices are equal (%q): choices must use different seeds", a.Choices[0].Message.Content)
		}
		// Streaming gives each choice the same text, interleaved by index.
		st := c.Chat.Completions.NewStreaming(ctx, p)
		streamed := make([]string, 4)
		finished := 0
		for st.Next() {
			for _, cc := range st.Current().Choices {
				streamed[cc.Index] += cc.Delta.Content
				if cc.FinishReason != "" {
					finished++
				}
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		for i := range streamed {
			if streamed[i] != a.Choices[i].Message.Content {
				t.Errorf("streamed choice %d %q, not streamed %q", i, streamed[i], a.Choices[i].Message.Content)
			}
		}
		if finished != 4 {
			t.Errorf("%d finish chunks for 4 choices", finished)
		}
	})
}

func TestCompletionsWithOpenAIClient(t *testing.T) {
	_, hs := newTestServer(t, Config{}, nil)
	c := client(hs, "")
	ctx := context.Background()
	p := openai.CompletionNewParams{
		Model:       "bigram",
		Prompt:      openai.CompletionNewParamsPromptUnion{OfArrayOfStrings: []string{"1", "Q:"}},
		Temperature: openai.Float(0),
	}
	r, err := c.Completions.New(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Object != "text_completion" || len(r.Choices) != 2 {
		t.Fatalf("got %+v", r)
	}
	// Default max_tokens is 16.
	if r.Choices[0].Text != "abcdefghijklmnop" || r.Choices[0].FinishReason != "length" ||
		r.Choices[1].Text != alphabet[:16] || r.Usage.PromptTokens != 3 || r.Usage.CompletionTokens != 32 {
		t.Errorf("got %q %q %+v", r.Choices[0].Text, r.Choices[1].Text, r.Usage)
	}

	p.Prompt = openai.CompletionNewParamsPromptUnion{OfArrayOfTokens: []int64{int64(charID('v'))}}
	p.MaxTokens = openai.Int(40)
	st := c.Completions.NewStreaming(ctx, p)
	var text strings.Builder
	var finish string
	for st.Next() {
		for _, cc := range st.Current().Choices {
			text.WriteString(cc.Text)
			if cc.FinishReason != "" {
				finish = string(cc.FinishReason)
			}
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if text.String() != "wxyz." || finish != "stop" {
		t.Errorf("streamed %q %q", text.String(), finish)
	}
}

// post sends body to path and returns the status, headers and decoded JSON.
func post(t *testing.T, hs *httptest.Server, path, body string, hdr ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, hs.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: response %q is not JSON", path, b)
	}
	return resp.StatusCode, resp.Header, v
}

func errorField(v map[string]any, k string) any {
	e, _ := v["error"].(map[string]any)
	return e[k]
}

func TestErrors(t *testing.T) {
	_, hs := newTestServer(t, Config{MaxBodyBytes: 4096}, nil)
	user := func(s string) string { return `"messages":[{"role":"user","content":"` + s + `"}]` }
	long := strings.Repeat("a", 70)
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, param      any
	}{
		{"malformed JSON", "/v1/chat/completions", `{"messages":`, 400, "invalid_json", nil},
		{"wrong type", "/v1/chat/completions", `{"max_tokens":"5",` + user("hi") + `}`, 400, "invalid_type", "max_tokens"},
		{"unknown model", "/v1/chat/completions", `{"model":"gpt-9",` + user("hi") + `}`, 404, "model_not_found", "model"},
		{"prompt too long", "/v1/chat/completions", `{` + user(long) + `}`, 400, "context_length_exceeded", "messages"},
		{"prompt plus max_tokens too long", "/v1/chat/completions", `{"max_tokens":50,` + user("hi") + `}`, 400, "context_length_exceeded", "max_tokens"},
		{"max_tokens negative", "/v1/completions", `{"prompt":"a","max_tokens":-1}`, 400, "invalid_value", "max_tokens"},
		{"body too large", "/v1/chat/completions", `{` + user(strings.Repeat("b", 5000)) + `}`, 413, "request_too_large", nil},
		{"completion prompt too long", "/v1/completions", `{"prompt":"` + long + `"}`, 400, "context_length_exceeded", "prompt"},
		{"token id out of vocabulary", "/v1/completions", `{"prompt":[[1],[97]]}`, 400, "invalid_value", "prompt[1]"},
		{"unknown fields ignored", "/v1/completions", `{"prompt":"a","max_tokens":2,"frobnicate":{"x":[1]},"logprobs":3}`, 200, nil, nil},
		{"unknown path", "/v1/embeddings", `{}`, 404, "unknown_url", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, v := post(t, hs, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, v)
			}
			if tc.status == 200 {
				return
			}
			if errorField(v, "type") == nil || errorField(v, "message") == "" {
				t.Errorf("not OpenAI's error shape: %v", v)
			}
			if errorField(v, "code") != tc.code || errorField(v, "param") != tc.param {
				t.Errorf("code %v param %v, want %v %v (%v)", errorField(v, "code"), errorField(v, "param"), tc.code, tc.param, errorField(v, "message"))
			}
		})
	}
	resp, err := hs.Client().Get(hs.URL + "/v1/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET on a POST endpoint: %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func get(t *testing.T, hs *httptest.Server, path, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAuthModelsHealth(t *testing.T) {
	_, hs := newTestServer(t, Config{APIKey: "sesame", Name: "tiny"}, nil)
	if st, _ := get(t, hs, "/healthz", ""); st != 200 {
		t.Errorf("healthz without key: %d, want 200", st)
	}
	if st, body := get(t, hs, "/", ""); st != 200 || !strings.Contains(body, "<textarea") {
		t.Errorf("chat page: %d", st)
	}
	for _, path := range []string{"/v1/models", "/metrics"} {
		if st, body := get(t, hs, path, ""); st != 401 || !strings.Contains(body, "invalid_api_key") {
			t.Errorf("%s without key: %d %s", path, st, body)
		}
		if st, _ := get(t, hs, path, "wrong"); st != 401 {
			t.Errorf("%s with a wrong key: %d", path, st)
		}
	}
	if st, _, _ := post(t, hs, "/v1/completions", `{"prompt":"a"}`); st != 401 {
		t.Errorf("completions without key: %d", st)
	}
	st, body := get(t, hs, "/v1/models", "sesame")
	var list struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	json.Unmarshal([]byte(body), &list)
	if st != 200 || list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != "tiny" || list.Data[0].Object != "model" {
		t.Errorf("models: %d %s", st, body)
	}
	if st, _ := get(t, hs, "/v1/models/tiny", "sesame"); st != 200 {
		t.Errorf("models/tiny: %d", st)
	}
	if st, body := get(t, hs, "/v1/models/other", "sesame"); st != 404 || !strings.Contains(body, "model_not_found") {
		t.Errorf("models/other: %d %s", st, body)
	}
	// The official client with the key.
	good, bad := client(hs, "sesame"), client(hs, "bad")
	m, err := good.Models.List(context.Background())
	if err != nil || len(m.Data) != 1 || m.Data[0].ID != "tiny" {
		t.Errorf("client models: %v %v", m, err)
	}
	_, err = bad.Models.List(context.Background())
	var apiErr *openai.Error
	if !errorsAs(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Errorf("client with a bad key: %v", err)
	}
}

func errorsAs(err error, target **openai.Error) bool {
	e, ok := err.(*openai.Error)
	if ok {
		*target = e
	}
	return ok
}

// gate is a model hook that holds Step calls from call number `from` on
// until release is closed.
type gate struct {
	from        int
	reached     chan struct{}
	release     chan struct{}
	once, ronce sync.Once
}

// open lets every held and later Step through. Tests register it with
// t.Cleanup after starting the server, so that a failed test does not
// leave the server's Close waiting for a held request.
func (g *gate) open() { g.ronce.Do(func() { close(g.release) }) }

func newGate(from int) *gate {
	return &gate{from: from, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) hook(call, batch int) {
	if call >= g.from {
		g.once.Do(func() { close(g.reached) })
		<-g.release
	}
}

func TestContinuousBatching(t *testing.T) {
	g := newGate(2) // hold the second step: the first request is then active
	m := &bigramModel{ctxLen: 64, hook: g.hook}
	s, hs := newTestServer(t, Config{MaxBatch: 8}, m)
	t.Cleanup(g.open)
	c := client(hs, "")
	const clients = 5
	var wg sync.WaitGroup
	texts := make([]string, clients)
	errs := make([]error, clients)
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Chat.Completions.New(context.Background(), chatParams("hi"))
			if err == nil {
				texts[i] = r.Choices[0].Message.Content
			}
			errs[i] = err
		}()
	}
	start(0)
	<-g.reached
	for i := 1; i < clients; i++ {
		start(i)
	}
	waitFor(t, "4 queued requests", func() bool { return s.metrics.queueDepth.Load() == clients-1 })
	g.open()
	wg.Wait()
	for i := range clients {
		if errs[i] != nil || texts[i] != alphabet {
			t.Errorf("client %d: %q %v", i, texts[i], errs[i])
		}
	}
	sizes := m.batchSizes()
	// Step 1 prefills request 0 alone; step 2 decodes it; step 3 admits the
	// other four and runs all five together; they leave as they finish.
	if sizes[0] != 1 || sizes[1] != 1 || sizes[2] != clients {
		t.Errorf("batch sizes %v: want 1, 1, %d, ...", sizes, clients)
	}
	// Request 0 is two steps ahead, so it leaves two steps before the others.
	n := len(sizes)
	if sizes[n-1] != clients-1 || sizes[n-3] != clients {
		t.Errorf("batch sizes %v: request 0 should leave the batch two steps before the rest", sizes)
	}
	// Every step after the join decodes all active sequences in one call:
	// 5 sequences × 29 steps of work take far fewer than 5×29 calls.
	if n > 2+len(alphabet)+2 {
		t.Errorf("%d Step calls for %d concurrent requests: they were not batched", n, clients)
	}
	if got := s.metrics.active.Load(); got != 0 {
		t.Errorf("active gauge %d after all finished", got)
	}
}

func TestSchedulerJoinLeave(t *testing.T) {
	m := &bigramModel{ctxLen: 64}
	mt := newMetrics()
	sc := newScheduler(m, testEOT, 2, 10, 0, mt)
	ev := make(chan event, 100)
	mk := func(choice int, prompt string, maxNew int) *sequence {
		return &sequence{ctx: context.Background(), choice: choice, pending: charTok{}.Encode(prompt),
			maxNew: maxNew, sampler: samplerGreedy(), events: ev}
	}
	// Three sequences, two slots: the third joins when the first leaves.
	if err := sc.submit([]*sequence{mk(0, "ab", 2), mk(1, "1", 4), mk(2, "y:", 3)}); err != nil {
		t.Fatal(err)
	}
	if err := sc.submit(make([]*sequence, 8)); err != errQueueFull {
		t.Fatalf("over-full submit: %v", err)
	}
	go sc.run()
	texts := map[int]string{}
	finish := map[int]string{}
	for len(finish) < 3 {
		e := <-ev
		if e.done {
			finish[e.choice] = e.finish
			continue
		}
		texts[e.choice] += charTok{}.Decode([]int{e.tok})
	}
	sc.close()
	want := map[int]string{0: "cd", 1: "abcd", 2: " ab"}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("texts %v, want %v", texts, want)
	}
	// Steps: [0,1] [0,1] → 0 leaves, 2 joins: [1,2] [1,2] → 1 leaves: [2].
	if got := m.batchSizes(); !slices.Equal(got, []int{2, 2, 2, 2, 1}) {
		t.Errorf("batch sizes %v", got)
	}
	for i, f := range finish {
		if f != "length" {
			t.Errorf("sequence %d finished with %q", i, f)
		}
	}
	// States were recycled: a finished sequence's state is reused.
	if len(sc.free) != 2 {
		t.Errorf("%d free states, want 2", len(sc.free))
	}
}

func TestPrefillChunk(t *testing.T) {
	m := &bigramModel{ctxLen: 64}
	sc := newScheduler(m, testEOT, 4, 10, 3, newMetrics())
	ev := make(chan event, 100)
	sc.submit([]*sequence{{ctx: context.Background(), pending: charTok{}.Encode("12345678:"), maxNew: 2, sampler: samplerGreedy(), events: ev}})
	go sc.run()
	var text string
	for e := range ev {
		if e.done {
			break
		}
		text += charTok{}.Decode([]int{e.tok})
	}
	sc.close()
	// 9 prompt tokens in chunks of 3 take three steps, then one more step.
	if text != " a" || !slices.Equal(m.batchSizes(), []int{1, 1, 1, 1}) {
		t.Errorf("text %q steps %v", text, m.batchSizes())
	}
}

func TestModelPanicFailsRequest(t *testing.T) {
	m := &bigramModel{ctxLen: 64, hook: func(call, batch int) {
		if call == 1 {
			panic("boom")
		}
	}}
	_, hs := newTestServer(t, Config{}, m)
	status, _, v := post(t, hs, "/v1/completions", `{"prompt":"a"}`)
	if status != 500 || !strings.Contains(errorField(v, "message").(string), "boom") {
		t.Errorf("got %d %v", status, v)
	}
	// The server goes on serving.
	status, _, _ = post(t, hs, "/v1/completions", `{"prompt":"a","max_tokens":2}`)
	if status != 200 {
		t.Errorf("after a failed step: %d", status)
	}
}

func TestQueueFull(t *testing.T) {
	g := newGate(1)
	m := &bigramModel{ctxLen: 64, hook: g.hook}
	s, hs := newTestServer(t, Config{MaxBatch: 1, MaxQueue: 1}, m)
	t.Cleanup(g.open)
	done := make(chan int, 2)
	send := func() {
		st, _, _ := post(t, hs, "/v1/completions", `{"prompt":"a","max_tokens":3}`)
		done <- st
	}
	go send()
	<-g.reached // one request is in the batch ...
	go send()
	waitFor(t, "a queued request", func() bool { return s.metrics.queueDepth.Load() == 1 })
	// ... and one waits: the queue is full.
	status, hdr, v := post(t, hs, "/v1/completions", `{"prompt":"a"}`)
	if status != 429 || hdr.Get("Retry-After") != "1" || errorField(v, "code") != "rate_limit_exceeded" {
		t.Errorf("got %d Retry-After=%q %v", status, hdr.Get("Retry-After"), v)
	}
	g.open()
	if a, b := <-done, <-done; a != 200 || b != 200 {
		t.Errorf("queued requests: %d %d", a, b)
	}
}

// sseLines reads "data:" payloads from a stream.
func sseLines(r io.Reader, each func(data string) bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && !each(d) {
			return
		}
	}
}

func TestClientDisconnectFreesSlot(t *testing.T) {
	g := newGate(5) // hold step 5 until the client has left
	m := &bigramModel{ctxLen: 64, hook: g.hook}
	s, hs := newTestServer(t, Config{}, m)
	t.Cleanup(g.open)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hs.URL+"/v1/completions",
		strings.NewReader(`{"prompt":"1","stream":true,"max_tokens":50,"temperature":0}`))
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sseLines(resp.Body, func(string) bool { n++; return n < 3 })
	<-g.reached
	cancel()
	resp.Body.Close()
	waitFor(t, "the handler to see the client leave", func() bool {
		s.metrics.mu.Lock()
		defer s.metrics.mu.Unlock()
		return s.metrics.requests[[2]string{"/v1/completions", "200"}] == 1
	})
	g.open()
	waitFor(t, "the sequence to leave the batch", func() bool { return s.metrics.active.Load() == 0 })
	// Step 5 was the last: the slot was freed long before max_tokens.
	if got := len(m.batchSizes()); got != 5 {
		t.Errorf("%d steps ran; the sequence should have left after step 5", got)
	}
	if got := s.metrics.generatedTokens.Load(); got != 5 {
		t.Errorf("%d tokens generated, want 5", got)
	}
}

func TestTimeout(t *testing.T) {
	g := newGate(2)
	m := &bigramModel{ctxLen: 64, hook: g.hook}
	s, hs := newTestServer(t, Config{Timeout: 20 * 1e6}, m) // 20 ms
	t.Cleanup(g.open)
	status, _, v := post(t, hs, "/v1/completions", `{"prompt":"a","temperature":0}`)
	if status != 504 || errorField(v, "code") != "timeout" {
		t.Errorf("non-streaming: %d %v", status, v)
	}
	// Streaming (the model is still held by the first request): an error
	// event and no [DONE].
	resp, err := hs.Client().Post(hs.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"a","temperature":0,"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events []string
	sseLines(resp.Body, func(d string) bool { events = append(events, d); return true })
	if resp.StatusCode != 200 || len(events) != 1 || !strings.Contains(events[0], `"code":"timeout"`) {
		t.Errorf("streaming: %d %q", resp.StatusCode, events)
	}
	g.open()
	waitFor(t, "the timed-out sequences to leave", func() bool { return s.metrics.active.Load() == 0 })
	if n := len(m.batchSizes()); n != 2 {
		t.Errorf("%d steps ran: timed-out sequences kept decoding", n)
	}
}

func TestDrain(t *testing.T) {
	g := newGate(2)
	m := &bigramModel{ctxLen: 64, hook: g.hook}
	s, hs := newTestServer(t, Config{}, m)
	t.Cleanup(g.open)
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v1/chat/completions",
		strings.NewReader(`{"messages":[{"role":"user","content":"hi"}],"stream":true,"temperature":0}`))
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-g.reached
	drained := make(chan error, 1)
	go func() { drained <- s.Drain(context.Background()) }()
	waitFor(t, "draining", func() bool {
		st, _ := get(t, hs, "/healthz", "")
		return st == 503
	})
	if st, _, v := post(t, hs, "/v1/completions", `{"prompt":"a"}`); st != 503 || errorField(v, "code") != "shutting_down" {
		t.Errorf("new request while draining: %d %v", st, v)
	}
	select {
	case err := <-drained:
		t.Fatalf("Drain returned %v with a stream in flight", err)
	default:
	}
	g.open()
	var text strings.Builder
	var last string
	sseLines(resp.Body, func(d string) bool {
		last = d
		if d == "[DONE]" {
			return false
		}
		var ch chunk
		json.Unmarshal([]byte(d), &ch)
		for _, c := range ch.Choices {
			if c.Delta != nil && c.Delta.Content != nil {
				text.WriteString(*c.Delta.Content)
			}
		}
		return true
	})
	if last != "[DONE]" || text.String() != alphabet {
		t.Errorf("the in-flight stream did not finish: %q, last event %q", text.String(), last)
	}
	if err := <-drained; err != nil {
		t.Errorf("Drain: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	_, hs := newTestServer(t, Config{}, nil)
	post(t, hs, "/v1/completions", `{"prompt":"a","max_tokens":3,"temperature":0}`)
	post(t, hs, "/v1/completions", `{"prompt":"a","max_tokens":3,"stream":true}`[:20])
	post(t, hs, "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":4,"temperature":0}`)
	st, body := get(t, hs, "/metrics", "")
	if st != 200 {
		t.Fatal(st)
	}
	for _, want := range []string{
		`golem_requests_total{endpoint="/v1/completions",status="200"} 1`,
		`golem_requests_total{endpoint="/v1/completions",status="400"} 1`,
		`golem_requests_total{endpoint="/v1/chat/completions",status="200"} 1`,
		"golem_prompt_tokens_total 20\n",
		"golem_generated_tokens_total 7\n",
		"golem_queue_depth 0\n",
		"golem_active_sequences 0\n",
		"# TYPE golem_request_duration_seconds histogram",
		`golem_request_duration_seconds_bucket{endpoint="/v1/completions",le="+Inf"} 2`,
		`golem_request_duration_seconds_count{endpoint="/v1/chat/completions"} 1`,
		`golem_time_to_first_token_seconds_count{endpoint="/v1/completions"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	// Every line is a comment or "name{labels} value"; histogram buckets
	// are cumulative and the +Inf bucket equals the count.
	prev := map[string]float64{}
	for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
		if strings.HasPrefix(l, "# HELP ") || strings.HasPrefix(l, "# TYPE ") {
			continue
		}
		f := strings.Fields(l)
		if len(f) != 2 || !strings.HasPrefix(f[0], "golem_") {
			t.Errorf("bad exposition line %q", l)
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			t.Errorf("bad value in %q", l)
		}
		if name, labels, ok := strings.Cut(f[0], "_bucket{"); ok {
			series := name + "{" + labels[:strings.Index(labels, ",le=")]
			if v < prev[series] {
				t.Errorf("bucket %q below the previous bucket %v", l, prev[series])
			}
			prev[series] = v
			if strings.Contains(labels, `le="+Inf"`) {
				count := name + "_count{" + labels[:strings.Index(labels, ",le=")] + "} " + f[1]
				if !strings.Contains(body, count+"\n") {
					t.Errorf("+Inf bucket %q does not match %q", l, count)
				}
			}
		}
	}
}
