package serve

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeChatRequest(t *testing.T) {
	r, err := DecodeChatRequest([]byte(`{
		"model": "m", "stream": true, "stream_options": {"include_usage": true},
		"max_tokens": 9, "max_completion_tokens": 7, "temperature": 0.5, "top_p": 0.9,
		"stop": ["a", "", "b"], "seed": -3, "n": 2, "logprobs": true, "tools": [], "user": "u",
		"messages": [
			{"role": "system", "content": "be brief"},
			{"role": "user", "content": [{"type": "text", "text": "he"}, {"type": "text", "text": "llo"}]},
			{"role": "assistant", "content": null, "tool_calls": []}
		]}`))
	if err != nil {
		t.Fatal(err)
	}
	seed := int64(-3)
	want := &ChatRequest{
		Params: Params{Model: "m", MaxTokens: 7, Temperature: 0.5, TopP: 0.9, Stop: []string{"a", "b"},
			Seed: &seed, N: 2, Stream: true, IncludeUsage: true},
		Messages: []Message{{"system", "be brief"}, {"user", "hello"}, {"assistant", ""}},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v\nwant %+v", r, want)
	}

	r, err = DecodeChatRequest([]byte(`{"messages":[{"role":"user","content":"x"}],"temperature":null,"stop":"END","max_tokens":3.0}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Temperature != 1 || r.TopP != 1 || r.N != 1 || r.Seed != nil || r.MaxTokens != 3 || !reflect.DeepEqual(r.Stop, []string{"END"}) {
		t.Errorf("defaults: got %+v", r.Params)
	}
}

func TestDecodeChatRequestErrors(t *testing.T) {
	const msgs = `"messages":[{"role":"user","content":"x"}]`
	for _, tc := range []struct {
		name, body, param, code, inMsg string
	}{
		{"malformed", `{"messages": [`, "", "invalid_json", "could not parse"},
		{"not an object", `[1,2]`, "", "invalid_type", "JSON object"},
		{"null body", `null`, "", "invalid_type", "JSON object"},
		{"trailing garbage", `{} x`, "", "invalid_json", "could not parse"},
		{"missing messages", `{"model":"m"}`, "messages", "missing_required_parameter", "messages"},
		{"messages not array", `{"messages":"hi"}`, "messages", "invalid_type", "expected an array, but got a string"},
		{"empty messages", `{"messages":[]}`, "messages", "empty_array", "empty array"},
		{"message not object", `{"messages":[3]}`, "messages[0]", "invalid_type", "an object"},
		{"no role", `{"messages":[{"content":"x"}]}`, "messages[0].role", "missing_required_parameter", "role"},
		{"bad role", `{"messages":[{"role":"king","content":"x"}]}`, "messages[0].role", "invalid_value", "'king'"},
		{"content number", `{"messages":[{"role":"user","content":"a"},{"role":"user","content":5}]}`, "messages[1].content", "invalid_type", "got a number"},
		{"image part", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}`, "messages[0].content[0].type", "invalid_value", "text only"},
		{"part text not string", `{"messages":[{"role":"user","content":[{"type":"text","text":1}]}]}`, "messages[0].content[0].text", "invalid_type", "a string"},
		{"model number", `{"model":1,` + msgs + `}`, "model", "invalid_type", "expected a string"},
		{"temperature string", `{"temperature":"hot",` + msgs + `}`, "temperature", "invalid_type", "expected a number, but got a string"},
		{"temperature high", `{"temperature":2.5,` + msgs + `}`, "temperature", "invalid_value", "<= 2"},
		{"temperature negative", `{"temperature":-1,` + msgs + `}`, "temperature", "invalid_value", ">= 0"},
		{"top_p high", `{"top_p":1.5,` + msgs + `}`, "top_p", "invalid_value", "<= 1"},
		{"max_tokens zero", `{"max_tokens":0,` + msgs + `}`, "max_tokens", "invalid_value", ">= 1"},
		{"max_tokens fraction", `{"max_tokens":1.5,` + msgs + `}`, "max_tokens", "invalid_type", "an integer"},
		{"max_tokens huge", `{"max_tokens":99999999999,` + msgs + `}`, "max_tokens", "invalid_value", "<="},
		{"max_completion_tokens bool", `{"max_completion_tokens":true,` + msgs + `}`, "max_completion_tokens", "invalid_type", "a boolean"},
		{"n zero", `{"n":0,` + msgs + `}`, "n", "invalid_value", "[1, 16]"},
		{"n big", `{"n":17,` + msgs + `}`, "n", "invalid_value", "[1, 16]"},
		{"seed string", `{"seed":"1",` + msgs + `}`, "seed", "invalid_type", "an integer"},
		{"stream string", `{"stream":"yes",` + msgs + `}`, "stream", "invalid_type", "a boolean"},
		{"stream_options without stream", `{"stream_options":{"include_usage":true},` + msgs + `}`, "stream_options", "invalid_value", "only allowed"},
		{"include_usage string", `{"stream":true,"stream_options":{"include_usage":"y"},` + msgs + `}`, "stream_options.include_usage", "invalid_type", "a boolean"},
		{"stop number", `{"stop":5,` + msgs + `}`, "stop", "invalid_type", "a string or an array"},
		{"stop item number", `{"stop":["a",5],` + msgs + `}`, "stop[1]", "invalid_type", "a string"},
		{"too many stops", `{"stop":["a","b","c","d","e"],` + msgs + `}`, "stop", "invalid_value", "maximum length 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeChatRequest([]byte(tc.body))
			e, ok := err.(*APIError)
			if !ok {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if e.Status != 400 || e.Type != "invalid_request_error" || e.Param != tc.param || e.Code != tc.code {
				t.Errorf("got status %d type %q param %q code %q, want 400 invalid_request_error %q %q", e.Status, e.Type, e.Param, e.Code, tc.param, tc.code)
			}
			if !strings.Contains(strings.ToLower(e.Message), strings.ToLower(tc.inMsg)) {
				t.Errorf("message %q does not mention %q", e.Message, tc.inMsg)
			}
		})
	}
}

func TestDecodeCompletionRequest(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []Prompt
		max  int
	}{
		{`{"prompt":"hi"}`, []Prompt{{Text: "hi"}}, DefaultCompletionMaxTokens},
		{`{"prompt":["a","b"],"max_tokens":4}`, []Prompt{{Text: "a"}, {Text: "b"}}, 4},
		{`{"prompt":[1,2,3]}`, []Prompt{{Tokens: []int{1, 2, 3}, IsTokens: true}}, DefaultCompletionMaxTokens},
		{`{"prompt":[[1],[2,3]]}`, []Prompt{{Tokens: []int{1}, IsTokens: true}, {Tokens: []int{2, 3}, IsTokens: true}}, DefaultCompletionMaxTokens},
	} {
		r, err := DecodeCompletionRequest([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if !reflect.DeepEqual(r.Prompts, tc.want) || r.MaxTokens != tc.max {
			t.Errorf("%s: got %+v max %d, want %+v max %d", tc.body, r.Prompts, r.MaxTokens, tc.want, tc.max)
		}
	}
	for _, tc := range []struct{ body, param string }{
		{`{}`, "prompt"},
		{`{"prompt":3}`, "prompt"},
		{`{"prompt":[]}`, "prompt"},
		{`{"prompt":["a",1]}`, "prompt[1]"},
		{`{"prompt":[1,"a"]}`, "prompt[1]"},
		{`{"prompt":[1,-2]}`, "prompt[1]"},
		{`{"prompt":[[1],2]}`, "prompt[1]"},
		{`{"prompt":[true]}`, "prompt[0]"},
		{`{"prompt":"a","n":16,"stop":"x"}`, ""},
		{`{"prompt":["a","b","c","d","e"],"n":16}`, "n"},
	} {
		_, err := DecodeCompletionRequest([]byte(tc.body))
		if tc.param == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.body, err)
			}
			continue
		}
		e, ok := err.(*APIError)
		if !ok || e.Param != tc.param || e.Status != 400 {
			t.Errorf("%s: got %v, want a 400 about %q", tc.body, err, tc.param)
		}
	}
}

func TestAPIErrorJSON(t *testing.T) {
	b, _ := (&APIError{Status: 404, Message: "m", Type: "invalid_request_error", Code: "model_not_found"}).MarshalJSON()
	want := `{"error":{"message":"m","type":"invalid_request_error","param":null,"code":"model_not_found"}}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}

// FuzzDecodeCompletionRequest is FuzzDecodeChatRequest for
// /v1/completions bodies: strings, token ids and arrays of either.
func FuzzDecodeCompletionRequest(f *testing.F) {
	for _, s := range []string{
		`{"prompt":"hi"}`,
		`{"model":"m","prompt":["a","b"],"stream":true,"stream_options":{"include_usage":true},"n":2,"seed":-1,"stop":"x","max_tokens":5,"temperature":0,"top_p":1}`,
		`{"prompt":[1,2,3]}`, `{"prompt":[[1],[2,3]]}`, `{"prompt":[]}`, `{"prompt":[[]]}`, `{"prompt":[1.5]}`,
		`{"prompt":[-1]}`, `{"prompt":["a",1]}`, `{"prompt":null}`, `{"prompt":"a","max_tokens":0}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeCompletionRequest(body)
		if !checkDecoded(t, body, err) {
			return
		}
		checkParams(t, &r.Params)
		if len(r.Prompts) == 0 || len(r.Prompts)*r.N > MaxSequences {
			t.Fatalf("accepted %d prompts of %d choices", len(r.Prompts), r.N)
		}
		for _, p := range r.Prompts {
			if !p.IsTokens && len(p.Tokens) > 0 {
				t.Fatalf("prompt %+v: token ids on a text prompt", p)
			}
			for _, id := range p.Tokens {
				if id < 0 {
					t.Fatalf("negative token id kept: %+v", p)
				}
			}
		}
	})
}

// checkDecoded checks a fuzzed body's decoding: a failure must be a 400
// APIError that marshals, a success valid JSON. It reports whether the
// body was accepted.
func checkDecoded(t *testing.T, body []byte, err error) bool {
	t.Helper()
	if err != nil {
		e, ok := err.(*APIError)
		if !ok || e.Status != 400 || e.Type != "invalid_request_error" || e.Message == "" {
			t.Fatalf("error %#v is not a 400 APIError", err)
		}
		if _, jerr := e.MarshalJSON(); jerr != nil {
			t.Fatal(jerr)
		}
		return false
	}
	if !json.Valid(body) {
		t.Fatalf("accepted invalid JSON %q", body)
	}
	return true
}

// checkParams checks that accepted sampling parameters are in their
// documented ranges.
func checkParams(t *testing.T, p *Params) {
	t.Helper()
	if p.N < 1 || p.N > MaxN || p.MaxTokens < 0 || p.Temperature < 0 || p.Temperature > 2 ||
		p.TopP < 0 || p.TopP > 1 || len(p.Stop) > MaxStop {
		t.Fatalf("accepted out-of-range parameters %+v", p)
	}
	for _, s := range p.Stop {
		if s == "" {
			t.Fatal("empty stop string kept")
		}
	}
	if p.IncludeUsage && !p.Stream {
		t.Fatal("include_usage without stream")
	}
}

// FuzzDecodeChatRequest checks that no body panics the decoder, that every
// failure is a 400 APIError, and that every success satisfies the
// documented ranges.
func FuzzDecodeChatRequest(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"a"}]}],"stream":true,"stream_options":{"include_usage":true},"n":3,"seed":1,"stop":["x"],"max_tokens":5,"temperature":0.7,"top_p":0.5}`,
		`{"messages":[{"role":"user","content":null}],"max_completion_tokens":1e3}`,
		`[]`, `null`, `{"messages":{}}`, `{"n":1.0}`, `"x"`, `{"stop":[null]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeChatRequest(body)
		if !checkDecoded(t, body, err) {
			return
		}
		checkParams(t, &r.Params)
		if len(r.Messages) == 0 {
			t.Fatal("accepted a request without messages")
		}
	})
}
