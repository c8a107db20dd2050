package serve

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golemml/golem/sampling"
	"github.com/golemml/golem/tokenizer"
)

// Model is what the server needs from a language model.
type Model interface {
	// ContextLen is the most tokens a sequence may hold.
	ContextLen() int
	// NewState returns an empty per-sequence state (KV cache).
	NewState() State
	// Step is one batched forward: it feeds tokens[i] (one or more new
	// tokens) into states[i] and returns the logits at the last new
	// position of each sequence. The scheduler never lets a state grow past
	// ContextLen. A State that also has a Reset() method is reused after its
	// sequence ends; one that also has Truncate(n int), keeping its first n
	// tokens, serves later prompts that start with its tokens (see Prefix
	// reuse in the package doc).
	Step(states []State, tokens [][]int) [][]float32
}

// State is one sequence's model state.
type State interface{ Len() int }

// Config configures a Server. Model and Tokenizer are required; zero
// values of the other fields select the documented defaults.
type Config struct {
	Model     Model
	Tokenizer tokenizer.Tokenizer
	// EOT is the end-of-text token id; sampling it ends a choice with
	// finish_reason "stop". Negative: the model has none.
	EOT int
	// Name is the model id served on /v1/models (default "golem").
	Name string
	// Template renders chat messages into a prompt (default DefaultTemplate()).
	Template *Template
	// APIKey, when set, must be sent as "Authorization: Bearer KEY" on every
	// request but GET /healthz and GET / (the chat page asks for the key).
	APIKey string
	// MaxBatch is the most sequences decoded together (default 16).
	MaxBatch int
	// MaxQueue is the most sequences waiting for a batch slot; past it
	// requests get 429 with Retry-After (default 256).
	MaxQueue int
	// MaxBodyBytes bounds a request body; larger ones get 413 (default 1 MiB).
	MaxBodyBytes int64
	// Timeout bounds a generation request; when it passes the request stops
	// and frees its batch slot (default 10 minutes).
	Timeout time.Duration
	// PrefillChunk, when > 0, feeds long prompts this many tokens per step so
	// that running sequences keep decoding while a long prompt is read.
	PrefillChunk int
}

// Server is an OpenAI-compatible HTTP API over one model. It is an
// http.Handler; New starts its scheduler and Close stops it.
type Server struct {
	cfg     Config
	ctxLen  int
	sched   *scheduler
	metrics *metrics
	created int64
	stops   []string // the template's stop strings, added to chat requests

	mu       sync.Mutex
	draining bool
	inflight int
	idle     chan struct{}
	idleOnce sync.Once
}

// New checks cfg, fills in defaults and starts the scheduler.
func New(cfg Config) (*Server, error) {
	if cfg.Model == nil || cfg.Tokenizer == nil {
		return nil, errors.New("serve: Config needs a Model and a Tokenizer")
	}
	if cfg.Model.ContextLen() < 2 {
		return nil, fmt.Errorf("serve: model context length %d is too short", cfg.Model.ContextLen())
	}
	if cfg.Name == "" {
		cfg.Name = "golem"
	}
	if cfg.Template == nil {
		cfg.Template = DefaultTemplate()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 16
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = 256
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	s := &Server{
		cfg:     cfg,
		ctxLen:  cfg.Model.ContextLen(),
		metrics: newMetrics(),
		created: time.Now().Unix(),
		stops:   cfg.Template.Stop,
		idle:    make(chan struct{}),
	}
	s.sched = newScheduler(cfg.Model, cfg.EOT, cfg.MaxBatch, cfg.MaxQueue, cfg.PrefillChunk, s.metrics)
	go s.sched.run()
	return s, nil
}

// Name is the served model's id.
func (s *Server) Name() string { return s.cfg.Name }

// Drain makes the server refuse new requests with 503 and waits until the
// requests in flight (streams included) have finished, or ctx ends.
func (s *Server) Drain(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	if s.inflight == 0 {
		s.idleOnce.Do(func() { close(s.idle) })
	}
	s.mu.Unlock()
	select {
	case <-s.idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the scheduler; generations still running end with an error.
func (s *Server) Close() { s.sched.close() }

func (s *Server) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.inflight++
	return true
}

func (s *Server) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	if s.draining && s.inflight == 0 {
		s.idleOnce.Do(func() { close(s.idle) })
	}
}

// endpoints are the metric labels of the known paths; others are "other".
var endpoints = map[string]bool{
	"/": true, "/healthz": true, "/metrics": true, "/v1/models": true,
	"/v1/chat/completions": true, "/v1/completions": true,
}

// statusRecorder remembers the response status for the metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// statusClientClosed is recorded for requests whose client left before any
// response was written (nginx's convention).
const statusClientClosed = 499

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ep := r.URL.Path
	if strings.HasPrefix(ep, "/v1/models/") {
		ep = "/v1/models"
	}
	if !endpoints[ep] {
		ep = "other"
	}
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		st := rec.status
		if st == 0 {
			st = statusClientClosed
		}
		s.metrics.request(ep, st, time.Since(start))
	}()

	if !s.begin() {
		rec.Header().Set("Connection", "close")
		writeError(rec, &APIError{Status: http.StatusServiceUnavailable, Type: "server_error", Code: "shutting_down",
			Message: "The server is shutting down and accepts no new requests."})
		return
	}
	defer s.end()

	path := r.URL.Path
	switch {
	case path == "/healthz":
		if !method(rec, r, http.MethodGet) {
			return
		}
		rec.Header().Set("Content-Type", "application/json")
		io.WriteString(rec, `{"status":"ok"}`+"\n")
		return
	case path == "/":
		if !method(rec, r, http.MethodGet) {
			return
		}
		servePage(rec)
		return
	}
	if !s.authorized(rec, r) {
		return
	}
	switch {
	case path == "/metrics":
		if !method(rec, r, http.MethodGet) {
			return
		}
		rec.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.metrics.writeTo(rec)
	case path == "/v1/models":
		if !method(rec, r, http.MethodGet) {
			return
		}
		writeJSON(rec, http.StatusOK, modelList{Object: "list", Data: []modelInfo{s.modelInfo()}})
	case strings.HasPrefix(path, "/v1/models/"):
		if !method(rec, r, http.MethodGet) {
			return
		}
		id := strings.TrimPrefix(path, "/v1/models/")
		if e := s.checkModel(id); e != nil {
			writeError(rec, e)
			return
		}
		writeJSON(rec, http.StatusOK, s.modelInfo())
	case path == "/v1/chat/completions":
		if method(rec, r, http.MethodPost) {
			s.handleChat(rec, r, start)
		}
	case path == "/v1/completions":
		if method(rec, r, http.MethodPost) {
			s.handleCompletion(rec, r, start)
		}
	default:
		writeError(rec, &APIError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "unknown_url",
			Message: fmt.Sprintf("Unknown request URL: %s %s.", r.Method, path)})
	}
}

func method(w http.ResponseWriter, r *http.Request, want string) bool {
	if r.Method == want || (want == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", want)
	writeError(w, &APIError{Status: http.StatusMethodNotAllowed, Type: "invalid_request_error", Code: "method_not_allowed",
		Message: fmt.Sprintf("Method %s is not allowed on %s; use %s.", r.Method, r.URL.Path, want)})
	return false
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.APIKey == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	if ok && constantTimeEqual(strings.TrimSpace(key), s.cfg.APIKey) {
		return true
	}
	msg := "Incorrect API key provided."
	if h == "" {
		msg = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="golem"`)
	writeError(w, &APIError{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "invalid_api_key", Message: msg})
	return false
}

func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

type modelInfo struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type modelList struct {
	Object string      `json:"object"`
	Data   []modelInfo `json:"data"`
}

func (s *Server) modelInfo() modelInfo {
	return modelInfo{ID: s.cfg.Name, Object: "model", Created: s.created, OwnedBy: "golem"}
}

// checkModel accepts "" (the served model) and the served model's id.
func (s *Server) checkModel(id string) *APIError {
	if id == "" || id == s.cfg.Name {
		return nil
	}
	return &APIError{Status: http.StatusNotFound, Type: "invalid_request_error", Param: "model", Code: "model_not_found",
		Message: fmt.Sprintf("The model `%s` does not exist or you do not have access to it. This server serves `%s`.", id, s.cfg.Name)}
}

// marshal is json.Marshal without HTML escaping (so "<" stays "<").
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		writeError(w, &APIError{Status: http.StatusInternalServerError, Type: "server_error", Message: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// readBody reads the request body within the size limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *APIError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, &APIError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Code: "request_too_large",
				Message: fmt.Sprintf("Request body too large: the limit is %d bytes.", mb.Limit)}
		}
		return nil, invalid("", "invalid_body", "Could not read the request body: %v.", err)
	}
	return body, nil
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request, start time.Time) {
	body, e := s.readBody(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	req, err := DecodeChatRequest(body)
	if err != nil {
		writeError(w, err.(*APIError))
		return
	}
	if e := s.checkModel(req.Model); e != nil {
		writeError(w, e)
		return
	}
	prompt, err := s.cfg.Template.Apply(req.Messages)
	if err != nil {
		writeError(w, &APIError{Status: http.StatusInternalServerError, Type: "server_error", Message: err.Error()})
		return
	}
	ids := s.cfg.Tokenizer.Encode(prompt)
	if e := s.checkLength(len(ids), &req.Params, "messages"); e != nil {
		writeError(w, e)
		return
	}
	stops := append(append([]string(nil), req.Stop...), s.stops...)
	s.generate(w, r, start, job{endpoint: "/v1/chat/completions", chat: true, prompts: [][]int{ids}, p: req.Params, stops: stops})
}

func (s *Server) handleCompletion(w http.ResponseWriter, r *http.Request, start time.Time) {
	body, e := s.readBody(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	req, err := DecodeCompletionRequest(body)
	if err != nil {
		writeError(w, err.(*APIError))
		return
	}
	if e := s.checkModel(req.Model); e != nil {
		writeError(w, e)
		return
	}
	vocab := s.cfg.Tokenizer.VocabSize()
	var prompts [][]int
	for i, p := range req.Prompts {
		param := "prompt"
		if len(req.Prompts) > 1 {
			param = fmt.Sprintf("prompt[%d]", i)
		}
		ids := p.Tokens
		if p.IsTokens {
			for j, id := range ids {
				if id >= vocab {
					writeError(w, invalid(param, "invalid_value", "Invalid token id %d at %s[%d]: the vocabulary has %d tokens.", id, param, j, vocab))
					return
				}
			}
		} else {
			ids = s.cfg.Tokenizer.Encode(p.Text)
		}
		if len(ids) == 0 {
			if s.cfg.EOT < 0 {
				writeError(w, invalid(param, "invalid_value", "Invalid '%s': the prompt is empty and this model has no end-of-text token to start from.", param))
				return
			}
			ids = []int{s.cfg.EOT} // OpenAI's convention: generation from <|endoftext|>
		}
		if e := s.checkLength(len(ids), &req.Params, param); e != nil {
			writeError(w, e)
			return
		}
		prompts = append(prompts, ids)
	}
	s.generate(w, r, start, job{endpoint: "/v1/completions", prompts: prompts, p: req.Params, stops: req.Stop})
}

// checkLength checks prompt length n against the context and sets the
// default max_tokens (what the context leaves) when none was given.
func (s *Server) checkLength(n int, p *Params, param string) *APIError {
	if n >= s.ctxLen {
		return invalid(param, "context_length_exceeded", "This model's maximum context length is %d tokens. However, your %s resulted in %d tokens. Please reduce the length of the %s.", s.ctxLen, param, n, param)
	}
	if p.MaxTokens > 0 && n+p.MaxTokens > s.ctxLen {
		return invalid("max_tokens", "context_length_exceeded", "This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the %s, %d in the completion). Please reduce the length of the %s or completion.", s.ctxLen, n+p.MaxTokens, n, param, p.MaxTokens, param)
	}
	return nil
}

// job is one validated generation request.
type job struct {
	endpoint string
	chat     bool
	prompts  [][]int
	p        Params
	stops    []string
}

// choice is the response side of one sequence.
type choice struct {
	dec    *tokenizer.StreamDecoder
	stop   stopper
	text   strings.Builder
	tokens int
	finish string
	done   bool
	cancel context.CancelFunc
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, start time.Time, jb job) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()

	n := jb.p.N
	total := len(jb.prompts) * n
	capacity := 0
	promptTokens := 0
	maxNew := make([]int, len(jb.prompts))
	for i, ids := range jb.prompts {
		promptTokens += len(ids)
		maxNew[i] = jb.p.MaxTokens
		if maxNew[i] == 0 {
			maxNew[i] = s.ctxLen - len(ids)
		}
		capacity += n * (maxNew[i] + 1)
	}
	events := make(chan event, capacity)
	var seed uint64
	if jb.p.Seed != nil {
		seed = uint64(*jb.p.Seed)
	} else {
		seed = rand.Uint64()
	}
	opts := sampling.Options{Temperature: jb.p.Temperature, TopP: jb.p.TopP}
	if jb.p.TopP == 0 {
		opts = sampling.Options{} // nothing but the top token is left: greedy
	}
	choices := make([]choice, total)
	seqs := make([]*sequence, total)
	for i := range seqs {
		cctx, ccancel := context.WithCancel(ctx)
		defer ccancel()
		choices[i].cancel = ccancel
		choices[i].dec = tokenizer.NewStreamDecoder(s.cfg.Tokenizer)
		choices[i].stop.stops = jb.stops
		p := i / n
		seqs[i] = &sequence{
			ctx: cctx, choice: i,
			pending: append([]int(nil), jb.prompts[p]...),
			maxNew:  maxNew[p],
			sampler: sampling.New(opts, seed+uint64(i)),
			events:  events,
		}
	}
	switch err := s.sched.submit(seqs); err {
	case nil:
	case errQueueFull:
		writeError(w, &APIError{Status: http.StatusTooManyRequests, Type: "rate_limit_error", Code: "rate_limit_exceeded", RetryAfter: 1,
			Message: fmt.Sprintf("The server is busy: its queue of %d sequences is full. Please retry after a short wait.", s.cfg.MaxQueue)})
		return
	default:
		writeError(w, &APIError{Status: http.StatusServiceUnavailable, Type: "server_error", Code: "shutting_down", Message: "The server is shutting down."})
		return
	}
	s.metrics.promptTokens.Add(int64(promptTokens))

	var sse *sseWriter
	if jb.p.Stream {
		sse = newSSEWriter(w, s, jb)
		if jb.chat {
			for i := range choices {
				sse.chatRole(i)
			}
		}
		sse.flush()
	}
	// emit hands out new text of choice i, and its end when finish != "".
	// Streamed chunks are flushed (written to the socket) once no other
	// event is waiting: under load the tokens of several steps, or of
	// several choices, share one write.
	dirty := false
	emit := func(i int, text, finish string) {
		c := &choices[i]
		if sse == nil {
			c.text.WriteString(text) // the response body, at the end
		}
		if finish != "" {
			c.finish, c.done = finish, true
			c.cancel() // frees the batch slot at the next step
		}
		if sse != nil {
			if text != "" {
				sse.text(i, text)
			}
			if finish != "" {
				sse.finish(i, finish)
			}
			dirty = true
		}
	}

	open, first := total, true
	for open > 0 {
		if dirty && len(events) == 0 {
			sse.flush()
			dirty = false
		}
		select {
		case ev := <-events:
			c := &choices[ev.choice]
			if c.done {
				continue // tokens already in flight when a stop string ended it
			}
			if ev.done {
				if ev.err != nil {
					if ctx.Err() != nil {
						continue // reported by the ctx.Done case
					}
					s.fail(w, sse, &APIError{Status: http.StatusInternalServerError, Type: "server_error", Message: ev.err.Error()})
					return
				}
				out, stopped := c.stop.add(c.dec.Flush())
				finish := ev.finish
				if stopped {
					finish = finishStop
				} else {
					out += c.stop.flush()
				}
				emit(ev.choice, out, finish)
				open--
				continue
			}
			if first {
				first = false
				s.metrics.firstToken(jb.endpoint, time.Since(start))
			}
			c.tokens++
			out, stopped := c.stop.add(c.dec.Add(ev.tok))
			finish := ""
			if stopped {
				finish = finishStop
				open--
			}
			emit(ev.choice, out, finish)
		case <-ctx.Done():
			if r.Context().Err() != nil {
				return // the client left; the scheduler drops its sequences
			}
			s.fail(w, sse, &APIError{Status: http.StatusGatewayTimeout, Type: "timeout_error", Code: "timeout",
				Message: fmt.Sprintf("The request timed out after %s.", s.cfg.Timeout)})
			return
		}
	}

	u := usage{PromptTokens: promptTokens}
	for i := range choices {
		u.CompletionTokens += choices[i].tokens
		if i%n == 0 { // a prompt's first choice; set before its first event
			u.PromptTokensDetails.CachedTokens += seqs[i].cached
		}
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if sse != nil {
		if jb.p.IncludeUsage {
			sse.usage(u)
		}
		sse.done()
		return
	}
	id, created := newID(jb.chat), time.Now().Unix()
	if jb.chat {
		resp := chatResponse{ID: id, Object: "chat.completion", Created: created, Model: s.cfg.Name, Usage: u}
		for i := range choices {
			resp.Choices = append(resp.Choices, chatChoice{Index: i, FinishReason: choices[i].finish,
				Message: chatMessage{Role: "assistant", Content: choices[i].text.String()}})
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	resp := completionResponse{ID: id, Object: "text_completion", Created: created, Model: s.cfg.Name, Usage: u}
	for i := range choices {
		resp.Choices = append(resp.Choices, completionChoice{Index: i, Text: choices[i].text.String(), FinishReason: choices[i].finish})
	}
	writeJSON(w, http.StatusOK, resp)
}

// fail reports e: as the response before streaming began, as an error
// event (and the end of the stream) after.
func (s *Server) fail(w http.ResponseWriter, sse *sseWriter, e *APIError) {
	if sse == nil {
		writeError(w, e)
		return
	}
	sse.error(e)
}

func newID(chat bool) string {
	var b [12]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	if chat {
		return "chatcmpl-" + hex.EncodeToString(b[:])
	}
	return "cmpl-" + hex.EncodeToString(b[:])
}
