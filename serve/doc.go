// Package serve is an OpenAI-compatible HTTP API over a golem language
// model, with continuous batching and a small chat page.
//
// # Endpoints
//
//	POST /v1/chat/completions  chat; "stream": true sends server-sent events
//	POST /v1/completions       plain text completion, streaming or not
//	GET  /v1/models            the one served model (GET /v1/models/{id} too)
//	GET  /healthz              200 {"status":"ok"} while serving, 503 draining (no auth)
//	GET  /metrics              Prometheus text format
//	GET  /                     the chat page (embedded; no auth, asks for the key)
//
// Requests take OpenAI's fields: model, messages or prompt, max_tokens (and
// max_completion_tokens, which wins), temperature (0..2, default 1; 0 is
// greedy), top_p (0..1, default 1), stop (a string or up to 4), seed, n
// (1..16), stream and stream_options.include_usage. Unknown fields (logprobs,
// tools, user, ...) are ignored. A request without "model" gets the served
// model; one naming another model gets 404 model_not_found. Chat requests
// without max_tokens may use the whole context; completions default to 16
// tokens, as OpenAI's do. prompt + max_tokens must fit the model's context,
// else 400 context_length_exceeded. With a seed, choice i samples with seed+i,
// so a request is reproducible. Usage counts the prompt once and every
// choice's tokens (the end-of-text token is not counted).
//
// Streams follow OpenAI's shape: chat sends a chunk with the assistant role
// per choice, then "chat.completion.chunk" objects with choices[].delta.content,
// a chunk with an empty delta and finish_reason, an optional usage chunk
// (empty choices), and "data: [DONE]". Stop strings are never part of the
// output; text that could be the start of a stop string is held back until
// the next tokens rule it in or out, and a token that ends inside a UTF-8
// character is held until the character is complete.
//
// Errors are OpenAI's {"error":{"message","type","param","code"}}: 400 for
// malformed JSON, a field of the wrong type or out of range (param names
// the field, e.g. "messages[1].content"), 401 without the API key, 404 for
// another model, 413 for a body over Config.MaxBodyBytes, 429 with
// Retry-After when the queue is full, 503 while draining, 504 when
// Config.Timeout passes (as an error event if the stream had started).
//
// # Continuous batching
//
// One scheduler goroutine owns the Model. Each step it drops sequences whose
// request ended (client gone, timeout, stop string found), admits waiting
// sequences into free slots (up to Config.MaxBatch; their prompt is
// prefilled in that same step) and calls Model.Step once for the whole
// batch. A sequence leaves the batch the moment it finishes, so requests
// join and leave between steps and throughput grows with concurrency. Each
// of a request's n choices is its own sequence, and Config.MaxQueue counts
// sequences. The model's Step sees every active sequence each step, a
// prefill of several tokens beside single-token decodes; Config.PrefillChunk
// splits long prompts over several steps so decodes are not held up.
//
// # Prefix reuse
//
// A finished sequence's state (its KV cache) is kept for the next request,
// with the tokens it holds. A new sequence takes the free state holding the
// longest prefix of its prompt and feeds only the rest: a chat's next turn,
// which resends the conversation, costs its new text, as does a shared
// system prompt. usage.prompt_tokens_details.cached_tokens reports the
// prompt tokens found so, as OpenAI's API does; a state that shares nothing
// with the prompt is emptied and reused, the one freed longest ago first.
// (States that can be truncated take part: *gpt.Cache can.) The logits of
// a reused prefix can differ from a cold prefill's in their last bits, as
// they do between batches of different sizes; a seeded request is
// reproducible up to that. As with any shared prefix cache, a client can
// tell from its time to first token whether another client sent the same
// prompt start recently; serve one tenant per server where that matters.
//
// # Chat templates
//
// Base models have no chat format, so DefaultTemplate writes one line per
// message and leaves the assistant's turn open:
//
//	System: You are terse.
//	User: Hello
//	Assistant: Hi.
//	User: Who are you?
//	Assistant:
//
// (roles: system and developer → System, user → User, assistant →
// Assistant, tool and function → Tool; content is trimmed of surrounding
// white space, so a reply that began with a space reads back the same). The reply stops at "\nUser:" or
// "\nSystem:", which a base model writes when it goes on with the dialogue.
//
// A model folder may define its own template in chat_template.txt, in Go's
// text/template syntax rather than Jinja (the Hugging Face format): Go's
// template language covers what chat templates do (a loop over messages,
// conditions on the role) and is in the standard library, while a faithful
// Jinja would be a language implementation of its own. The template runs
// with .Messages (each with .Role and .Content) and .AddGenerationPrompt
// (always true), and may call role, trim, upper and lower. An optional
// {{define "stop"}} block lists stop strings, one Go-quoted string per line.
// For example, ChatML:
//
//	{{range .Messages}}<|im_start|>{{.Role}}
//	{{.Content}}<|im_end|>
//	{{end}}<|im_start|>assistant
//	{{define "stop"}}"<|im_end|>"{{end}}
//
// # Metrics
//
// GET /metrics writes, in the Prometheus text exposition format:
// golem_requests_total{endpoint,status}, golem_prompt_tokens_total,
// golem_prompt_cached_tokens_total, golem_generated_tokens_total, golem_batch_steps_total, the gauges
// golem_queue_depth and golem_active_sequences, and the histograms
// golem_request_duration_seconds{endpoint} and
// golem_time_to_first_token_seconds{endpoint}. A request whose client left
// before any response is counted with status 499.
//
// # Shutdown
//
// Server.Drain makes every new request get 503 and waits until the requests
// in flight, streams included, have finished; then the http.Server can be
// shut down and Server.Close stops the scheduler. golem serve (cmd/golem)
// listens before it loads the model, answering 503 "model_loading" (health
// checks included) until the model is ready, and drains on SIGINT/SIGTERM.
//
// LoadDir reads a model folder (gpt.Load, tokenizer.Load, chat_template.txt)
// into a Config; FromGPT adapts a *gpt.Model to Model.
package serve
