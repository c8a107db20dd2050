package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

type usage struct {
	PromptTokens        int                 `json:"prompt_tokens"`
	CompletionTokens    int                 `json:"completion_tokens"`
	TotalTokens         int                 `json:"total_tokens"`
	PromptTokensDetails promptTokensDetails `json:"prompt_tokens_details"`
}

// promptTokensDetails is OpenAI's breakdown of the prompt tokens:
// cached_tokens were found in the cache of an earlier request (see
// Server) rather than computed again.
type promptTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

type chatMessage struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"`
}

type chatChoice struct {
	Index        int         `json:"index"`
	Message      chatMessage `json:"message"`
	Logprobs     *struct{}   `json:"logprobs"`
	FinishReason string      `json:"finish_reason"`
}

type chatResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   usage        `json:"usage"`
}

type completionChoice struct {
	Text         string    `json:"text"`
	Index        int       `json:"index"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason string    `json:"finish_reason"`
}

type completionResponse struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   usage              `json:"usage"`
}

// chunk is one streamed event: a chat.completion.chunk (choices carry
// Delta) or a text_completion (choices carry Text).
type chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *usage        `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int       `json:"index"`
	Delta        *delta    `json:"delta,omitempty"`
	Text         *string   `json:"text,omitempty"`
	Logprobs     *struct{} `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
}

type delta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// sseWriter writes server-sent events: "data: {json}\n\n" per chunk, and
// "data: [DONE]\n\n" at the end.
type sseWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	chat bool
	base chunk

	// The per-token text chunk is assembled by hand (text), the same bytes
	// as send(choice(...)) without a reflective Marshal of the whole chunk:
	// head is the chunk's JSON up to its first choice's index.
	head []byte
	buf  []byte
	str  bytes.Buffer
	enc  *json.Encoder
}

func newSSEWriter(w http.ResponseWriter, s *Server, jb job) *sseWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	obj := "text_completion"
	if jb.chat {
		obj = "chat.completion.chunk"
	}
	e := &sseWriter{w: w, rc: http.NewResponseController(w), chat: jb.chat,
		base: chunk{ID: newID(jb.chat), Object: obj, Created: time.Now().Unix(), Model: s.cfg.Name}}
	e.enc = json.NewEncoder(&e.str)
	e.enc.SetEscapeHTML(false)
	ch := e.base
	ch.Choices = []chunkChoice{}
	b, _ := marshal(ch) // {"id":...,"model":...,"choices":[]}
	e.head = append(bytes.TrimSuffix(b, []byte("]}")), `{"index":`...)
	return e
}

func (e *sseWriter) send(v any) {
	b, _ := marshal(v)
	e.w.Write([]byte("data: "))
	e.w.Write(b)
	e.w.Write([]byte("\n\n"))
}

func (e *sseWriter) choice(c chunkChoice) {
	ch := e.base
	ch.Choices = []chunkChoice{c}
	e.send(ch)
}

func (e *sseWriter) chatRole(i int) {
	empty := ""
	e.choice(chunkChoice{Index: i, Delta: &delta{Role: "assistant", Content: &empty}})
}

// text sends new text s of choice i: for chat a delta with content, else
// the text field.
func (e *sseWriter) text(i int, s string) {
	e.str.Reset()
	e.enc.Encode(s) // a string always encodes
	q := bytes.TrimSuffix(e.str.Bytes(), []byte("\n"))
	b := append(e.buf[:0], "data: "...)
	b = append(b, e.head...)
	b = strconv.AppendInt(b, int64(i), 10)
	if e.chat {
		b = append(b, `,"delta":{"content":`...)
		b = append(b, q...)
		b = append(b, '}')
	} else {
		b = append(b, `,"text":`...)
		b = append(b, q...)
	}
	b = append(b, `,"logprobs":null,"finish_reason":null}]}`+"\n\n"...)
	e.w.Write(b)
	e.buf = b
}

func (e *sseWriter) finish(i int, reason string) {
	if e.chat {
		e.choice(chunkChoice{Index: i, Delta: &delta{}, FinishReason: &reason})
		return
	}
	empty := ""
	e.choice(chunkChoice{Index: i, Text: &empty, FinishReason: &reason})
}

func (e *sseWriter) usage(u usage) {
	ch := e.base
	ch.Choices = []chunkChoice{}
	ch.Usage = &u
	e.send(ch)
}

func (e *sseWriter) done() {
	e.w.Write([]byte("data: [DONE]\n\n"))
	e.flush()
}

func (e *sseWriter) error(err *APIError) {
	b, _ := err.MarshalJSON()
	e.w.Write([]byte("data: "))
	e.w.Write(b)
	e.w.Write([]byte("\n\n"))
	e.flush()
}

func (e *sseWriter) flush() { e.rc.Flush() }
