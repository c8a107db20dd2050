package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Limits on what one request may ask for.
const (
	// MaxN is the largest n (choices per prompt) a request may ask for.
	MaxN = 16
	// MaxSequences is the most sequences (prompts × n) one request may start.
	MaxSequences = 64
	// MaxStop is the most stop strings a request may give (OpenAI's limit).
	MaxStop = 4
	// DefaultCompletionMaxTokens is /v1/completions' max_tokens when the
	// request gives none (OpenAI's default for that endpoint).
	DefaultCompletionMaxTokens = 16
)

// Params are the fields /v1/chat/completions and /v1/completions share.
type Params struct {
	Model        string   // "" means the served model
	MaxTokens    int      // 0: not given (see each endpoint for the default)
	Temperature  float64  // [0, 2], default 1; 0 is greedy
	TopP         float64  // [0, 1], default 1; 0 is greedy
	Stop         []string // up to MaxStop non-empty strings
	Seed         *int64   // nil: a fresh random seed
	N            int      // choices per prompt, [1, MaxN], default 1
	Stream       bool
	IncludeUsage bool // stream_options.include_usage
}

// Message is one chat message. Content parts of type "text" are joined into
// Content; other part types are rejected.
type Message struct {
	Role    string
	Content string
}

// ChatRequest is a decoded, validated /v1/chat/completions body.
type ChatRequest struct {
	Params
	Messages []Message
}

// Prompt is one /v1/completions prompt: text, or token ids when IsTokens.
type Prompt struct {
	Text     string
	Tokens   []int
	IsTokens bool
}

// CompletionRequest is a decoded, validated /v1/completions body.
type CompletionRequest struct {
	Params
	Prompts []Prompt
}

// fields is a JSON object whose values are not decoded yet.
type fields map[string]json.RawMessage

// DecodeChatRequest decodes and validates a chat completion request body.
// Unknown fields are ignored; a field of the wrong type or out of range is
// an *APIError naming it.
func DecodeChatRequest(body []byte) (*ChatRequest, error) {
	f, e := decodeObject(body)
	if e != nil {
		return nil, e
	}
	r := &ChatRequest{}
	if e := decodeParams(f, &r.Params, true); e != nil {
		return nil, e
	}
	raw, ok := f.get("messages")
	if !ok {
		return nil, invalid("messages", "missing_required_parameter", "Missing required parameter: 'messages'.")
	}
	if kindOf(raw) != "array" {
		return nil, typeError("messages", "an array", raw)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, typeError("messages", "an array", raw)
	}
	if len(items) == 0 {
		return nil, invalid("messages", "empty_array", "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")
	}
	for i, it := range items {
		m, e := decodeMessage(it, fmt.Sprintf("messages[%d]", i))
		if e != nil {
			return nil, e
		}
		r.Messages = append(r.Messages, m)
	}
	return r, nil
}

// DecodeCompletionRequest decodes and validates a completion request body.
// The prompt is a string, an array of strings, an array of token ids or an
// array of arrays of token ids.
func DecodeCompletionRequest(body []byte) (*CompletionRequest, error) {
	f, e := decodeObject(body)
	if e != nil {
		return nil, e
	}
	r := &CompletionRequest{}
	if e := decodeParams(f, &r.Params, false); e != nil {
		return nil, e
	}
	if r.MaxTokens == 0 {
		if _, given := f.get("max_tokens"); !given {
			r.MaxTokens = DefaultCompletionMaxTokens
		}
	}
	raw, ok := f.get("prompt")
	if !ok {
		return nil, invalid("prompt", "missing_required_parameter", "Missing required parameter: 'prompt'.")
	}
	switch kindOf(raw) {
	case "string":
		var s string
		json.Unmarshal(raw, &s)
		r.Prompts = []Prompt{{Text: s}}
	case "array":
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, typeError("prompt", "a string or an array", raw)
		}
		if len(items) == 0 {
			return nil, invalid("prompt", "empty_array", "Invalid 'prompt': empty array.")
		}
		switch kindOf(items[0]) {
		case "string":
			for i, it := range items {
				var s string
				if kindOf(it) != "string" || json.Unmarshal(it, &s) != nil {
					return nil, typeError(fmt.Sprintf("prompt[%d]", i), "a string", it)
				}
				r.Prompts = append(r.Prompts, Prompt{Text: s})
			}
		case "number":
			ids, e := decodeTokenArray(raw, "prompt")
			if e != nil {
				return nil, e
			}
			r.Prompts = []Prompt{{Tokens: ids, IsTokens: true}}
		case "array":
			for i, it := range items {
				name := fmt.Sprintf("prompt[%d]", i)
				if kindOf(it) != "array" {
					return nil, typeError(name, "an array of token ids", it)
				}
				ids, e := decodeTokenArray(it, name)
				if e != nil {
					return nil, e
				}
				r.Prompts = append(r.Prompts, Prompt{Tokens: ids, IsTokens: true})
			}
		default:
			return nil, typeError("prompt[0]", "a string, a token id or an array of token ids", items[0])
		}
	default:
		return nil, typeError("prompt", "a string or an array", raw)
	}
	if len(r.Prompts)*r.N > MaxSequences {
		return nil, invalid("n", "invalid_value", "Invalid 'n': %d prompts with n=%d ask for %d choices; at most %d are allowed.", len(r.Prompts), r.N, len(r.Prompts)*r.N, MaxSequences)
	}
	return r, nil
}

// decodeObject parses body as a JSON object without decoding its values.
func decodeObject(body []byte) (fields, *APIError) {
	var f fields
	if err := json.Unmarshal(body, &f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, invalid("", "invalid_type", "The request body must be a JSON object, but got %s.", withArticle(te.Value))
		}
		return nil, invalid("", "invalid_json", "We could not parse the JSON body of your request: %v. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)", err)
	}
	if f == nil { // the body was "null"
		return nil, invalid("", "invalid_type", "The request body must be a JSON object, but got null.")
	}
	return f, nil
}

// get returns the raw value of key, treating an explicit null as absent.
func (f fields) get(key string) (json.RawMessage, bool) {
	raw, ok := f[key]
	if !ok || kindOf(raw) == "null" {
		return nil, false
	}
	return raw, true
}

func decodeParams(f fields, p *Params, chat bool) *APIError {
	p.Temperature, p.TopP, p.N = 1, 1, 1
	if raw, ok := f.get("model"); ok {
		if kindOf(raw) != "string" {
			return typeError("model", "a string", raw)
		}
		json.Unmarshal(raw, &p.Model)
	}
	if raw, ok := f.get("stream"); ok {
		if kindOf(raw) != "boolean" {
			return typeError("stream", "a boolean", raw)
		}
		json.Unmarshal(raw, &p.Stream)
	}
	if raw, ok := f.get("stream_options"); ok {
		if kindOf(raw) != "object" {
			return typeError("stream_options", "an object", raw)
		}
		if !p.Stream {
			return invalid("stream_options", "invalid_value", "The 'stream_options' parameter is only allowed when 'stream' is enabled.")
		}
		var so fields
		json.Unmarshal(raw, &so)
		if iu, ok := so.get("include_usage"); ok {
			if kindOf(iu) != "boolean" {
				return typeError("stream_options.include_usage", "a boolean", iu)
			}
			json.Unmarshal(iu, &p.IncludeUsage)
		}
	}
	names := []string{"max_tokens"}
	if chat {
		// max_completion_tokens is the newer name; it wins when both are given.
		names = []string{"max_completion_tokens", "max_tokens"}
	}
	for _, name := range names {
		raw, ok := f.get(name)
		if !ok {
			continue
		}
		v, e := decodeInt(raw, name)
		if e != nil {
			return e
		}
		if v < 1 {
			return invalid(name, "invalid_value", "Invalid '%s': integer below minimum value. Expected a value >= 1, but got %d instead.", name, v)
		}
		if v > math.MaxInt32 {
			return invalid(name, "invalid_value", "Invalid '%s': integer above maximum value. Expected a value <= %d, but got %d instead.", name, math.MaxInt32, v)
		}
		p.MaxTokens = int(v)
		break
	}
	var e *APIError
	if p.Temperature, e = decodeFloat(f, "temperature", 1, 0, 2); e != nil {
		return e
	}
	if p.TopP, e = decodeFloat(f, "top_p", 1, 0, 1); e != nil {
		return e
	}
	if raw, ok := f.get("n"); ok {
		v, e := decodeInt(raw, "n")
		if e != nil {
			return e
		}
		if v < 1 || v > MaxN {
			return invalid("n", "invalid_value", "Invalid 'n': expected a value in [1, %d], but got %d instead.", MaxN, v)
		}
		p.N = int(v)
	}
	if raw, ok := f.get("seed"); ok {
		v, e := decodeInt(raw, "seed")
		if e != nil {
			return e
		}
		p.Seed = &v
	}
	if raw, ok := f.get("stop"); ok {
		switch kindOf(raw) {
		case "string":
			var s string
			json.Unmarshal(raw, &s)
			if s != "" {
				p.Stop = []string{s}
			}
		case "array":
			var items []json.RawMessage
			json.Unmarshal(raw, &items)
			if len(items) > MaxStop {
				return invalid("stop", "invalid_value", "Invalid 'stop': array too long. Expected an array with maximum length %d, but got an array with length %d instead.", MaxStop, len(items))
			}
			for i, it := range items {
				var s string
				if kindOf(it) != "string" || json.Unmarshal(it, &s) != nil {
					return typeError(fmt.Sprintf("stop[%d]", i), "a string", it)
				}
				if s != "" {
					p.Stop = append(p.Stop, s)
				}
			}
		default:
			return typeError("stop", "a string or an array of strings", raw)
		}
	}
	return nil
}

func decodeMessage(raw json.RawMessage, name string) (Message, *APIError) {
	var m Message
	if kindOf(raw) != "object" {
		return m, typeError(name, "an object", raw)
	}
	var f fields
	json.Unmarshal(raw, &f)
	rr, ok := f.get("role")
	if !ok {
		return m, invalid(name+".role", "missing_required_parameter", "Missing required parameter: '%s.role'.", name)
	}
	if kindOf(rr) != "string" {
		return m, typeError(name+".role", "a string", rr)
	}
	json.Unmarshal(rr, &m.Role)
	switch m.Role {
	case "system", "developer", "user", "assistant", "tool", "function":
	default:
		return m, invalid(name+".role", "invalid_value", "Invalid value: '%s'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool' and 'function'.", m.Role)
	}
	cr, ok := f.get("content")
	if !ok {
		return m, nil // e.g. an assistant message that only called tools
	}
	switch kindOf(cr) {
	case "string":
		json.Unmarshal(cr, &m.Content)
	case "array":
		var parts []json.RawMessage
		json.Unmarshal(cr, &parts)
		var buf bytes.Buffer
		for j, pr := range parts {
			pname := fmt.Sprintf("%s.content[%d]", name, j)
			if kindOf(pr) != "object" {
				return m, typeError(pname, "an object", pr)
			}
			var pf fields
			json.Unmarshal(pr, &pf)
			var typ string
			if tr, ok := pf.get("type"); ok {
				if kindOf(tr) != "string" {
					return m, typeError(pname+".type", "a string", tr)
				}
				json.Unmarshal(tr, &typ)
			}
			if typ != "text" {
				return m, invalid(pname+".type", "invalid_value", "Invalid content part type '%s': this server handles text only.", typ)
			}
			tr, ok := pf.get("text")
			if !ok {
				return m, invalid(pname+".text", "missing_required_parameter", "Missing required parameter: '%s.text'.", pname)
			}
			if kindOf(tr) != "string" {
				return m, typeError(pname+".text", "a string", tr)
			}
			var s string
			json.Unmarshal(tr, &s)
			buf.WriteString(s)
		}
		m.Content = buf.String()
	default:
		return m, typeError(name+".content", "a string or an array of content parts", cr)
	}
	return m, nil
}

func decodeTokenArray(raw json.RawMessage, name string) ([]int, *APIError) {
	var items []json.RawMessage
	json.Unmarshal(raw, &items)
	if len(items) == 0 {
		return nil, invalid(name, "empty_array", "Invalid '%s': empty array of token ids.", name)
	}
	ids := make([]int, len(items))
	for i, it := range items {
		v, e := decodeInt(it, fmt.Sprintf("%s[%d]", name, i))
		if e != nil {
			return nil, e
		}
		if v < 0 || v > math.MaxInt32 {
			return nil, invalid(fmt.Sprintf("%s[%d]", name, i), "invalid_value", "Invalid token id %d in '%s'.", v, name)
		}
		ids[i] = int(v)
	}
	return ids, nil
}

// decodeInt reads an integer; a number with a fraction is a type error.
func decodeInt(raw json.RawMessage, name string) (int64, *APIError) {
	if kindOf(raw) != "number" {
		return 0, typeError(name, "an integer", raw)
	}
	s := string(bytes.TrimSpace(raw))
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		return 0, typeError(name, "an integer", raw)
	}
	return int64(f), nil
}

// decodeFloat reads an optional number in [lo, hi], def when absent.
func decodeFloat(f fields, name string, def, lo, hi float64) (float64, *APIError) {
	raw, ok := f.get(name)
	if !ok {
		return def, nil
	}
	if kindOf(raw) != "number" {
		return 0, typeError(name, "a number", raw)
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64)
	if err != nil {
		return 0, typeError(name, "a number", raw)
	}
	if v < lo {
		return 0, invalid(name, "invalid_value", "Invalid '%s': decimal below minimum value. Expected a value >= %g, but got %g instead.", name, lo, v)
	}
	if v > hi {
		return 0, invalid(name, "invalid_value", "Invalid '%s': decimal above maximum value. Expected a value <= %g, but got %g instead.", name, hi, v)
	}
	return v, nil
}

// kindOf names the JSON type of a syntactically valid value.
func kindOf(raw json.RawMessage) string {
	b := bytes.TrimLeft(raw, " \t\r\n")
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func typeError(param, want string, raw json.RawMessage) *APIError {
	return invalid(param, "invalid_type", "Invalid type for '%s': expected %s, but got %s instead.", param, want, withArticle(kindOf(raw)))
}

func withArticle(kind string) string {
	switch kind {
	case "array", "object", "integer":
		return "an " + kind
	case "null", "nothing":
		return kind
	}
	return "a " + kind
}
