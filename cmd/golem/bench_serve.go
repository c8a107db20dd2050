package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golemml/golem/gpt"
	"github.com/golemml/golem/serve"
	"github.com/golemml/golem/tokenizer"
	"github.com/spf13/cobra"
)

var benchServeFlags struct {
	model     string
	clients   string
	requests  int
	duration  time.Duration
	maxTokens int
	maxBatch  int
	prompt    string
	vary      bool
}

var benchServeCmd = &cobra.Command{
	Use:   "serve",
	Short: "Aggregate tokens/s and time to first token of golem serve with 1, 4 and 16 streaming clients",
	Long: `bench serve starts the server in process on 127.0.0.1 and runs C streaming
clients at once (C from --clients), each sending completion requests one
after another with a fixed prompt and max_tokens, for --duration (the
last request of each client runs to its end) or --requests requests per
client. A run of a few seconds measures the steady state, not the start
and the end, where fewer clients are active. It reports the
aggregate generated tokens per second, the 50th and 99th percentile time
to first token, tokens_per_step: generated tokens over batched model
steps (from the server's /metrics), the mean batch the scheduler formed,
and prompt_cached: the fraction of prompt tokens the server found in its
prefix cache. With one fixed prompt, every request after the first finds
all but its last token there; --vary-prompt measures prompts that are
computed (but for a first digit or two that an earlier prompt shared). Without --model it serves a freshly initialized "baby" GPT
(random weights, character tokenizer over printable ASCII). There is no
PyTorch peer for serving: peer and ratio are null.`,
	Args: cobra.NoArgs,
	RunE: runBenchServe,
}

func init() {
	f := benchServeCmd.Flags()
	f.StringVar(&benchServeFlags.model, "model", "", "model folder (default: a random baby model)")
	f.StringVar(&benchServeFlags.clients, "clients", "1,4,16", "comma-separated numbers of concurrent clients")
	f.IntVar(&benchServeFlags.requests, "requests", 0, "requests per client (0: as many as --duration allows)")
	f.DurationVar(&benchServeFlags.duration, "duration", 3*time.Second, "how long each number of clients sends requests")
	f.IntVar(&benchServeFlags.maxTokens, "max-tokens", 40, "max_tokens per request (capped by the context)")
	f.IntVar(&benchServeFlags.maxBatch, "max-batch", 16, "server's most sequences per batch")
	f.StringVar(&benchServeFlags.prompt, "prompt", "To be, or not to be", "the prompt every request sends")
	f.BoolVar(&benchServeFlags.vary, "vary-prompt", false, "start each request's prompt with its own number, so that no prompt is found in the prefix cache")
	benchCmd.AddCommand(benchServeCmd)
}

// babyServeConfig is a random baby GPT with a character tokenizer over
// "\n" and printable ASCII.
func babyServeConfig() (serve.Config, error) {
	chars := []byte{'\n'}
	for c := byte(' '); c <= '~'; c++ {
		chars = append(chars, c)
	}
	tok := tokenizer.NewChar(string(chars))
	cfg, err := gpt.NamedConfig("baby")
	if err != nil {
		return serve.Config{}, err
	}
	cfg.VocabSize = tok.VocabSize()
	sc, err := serve.ForGPT(gpt.New(cfg, 1337), tok)
	sc.Name = "baby"
	return sc, err
}

func runBenchServe(cmd *cobra.Command, _ []string) error {
	clients, err := parseInts("--clients", benchServeFlags.clients)
	if err != nil {
		return err
	}
	if benchServeFlags.requests < 0 || benchServeFlags.maxTokens < 1 {
		return fmt.Errorf("--requests %d must be >= 0 and --max-tokens %d >= 1", benchServeFlags.requests, benchServeFlags.maxTokens)
	}
	if benchServeFlags.requests == 0 && benchServeFlags.duration <= 0 {
		return fmt.Errorf("--duration %s must be positive (or give --requests)", benchServeFlags.duration)
	}
	var cfg serve.Config
	if benchServeFlags.model == "" {
		cfg, err = babyServeConfig()
	} else {
		cfg, err = serve.LoadDir(benchServeFlags.model)
	}
	if err != nil {
		return err
	}
	cfg.MaxBatch = benchServeFlags.maxBatch
	cfg.MaxQueue = 1 << 16
	// promptFor is request i's prompt: with --vary-prompt it starts with
	// the request's number, last digit first, so that it shares little of
	// its start with the prompts of the requests just before it.
	promptFor := func(i int64) string {
		if !benchServeFlags.vary {
			return benchServeFlags.prompt
		}
		d := []byte(fmt.Sprintf("%07d", i%10_000_000))
		slices.Reverse(d)
		return string(d) + " " + benchServeFlags.prompt
	}
	promptLen := len(cfg.Tokenizer.Encode(promptFor(0)))
	maxTokens := min(benchServeFlags.maxTokens, cfg.Model.ContextLen()-promptLen)
	if maxTokens < 1 {
		return fmt.Errorf("--prompt is %d tokens: no room left in the model's context of %d", promptLen, cfg.Model.ContextLen())
	}
	srv, err := serve.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/completions"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}
	var sent atomic.Int64
	nextBody := func() []byte {
		b, _ := json.Marshal(map[string]any{
			"model": cfg.Name, "prompt": promptFor(sent.Add(1)), "max_tokens": maxTokens,
			"temperature": 1, "stream": true, "stream_options": map[string]any{"include_usage": true},
		})
		return b
	}

	// Warm up: buffers, connections, the worker pool.
	if _, _, err := streamOnce(client, url, nextBody()); err != nil {
		return err
	}
	for _, c := range clients {
		if c < 1 {
			return fmt.Errorf("--clients: %d must be >= 1", c)
		}
		var (
			mu     sync.Mutex
			tokens int
			ttfts  []time.Duration
			first  error
			wg     sync.WaitGroup
		)
		m0, err := scrapeCounters(client, "http://"+ln.Addr().String()+"/metrics")
		if err != nil {
			return err
		}
		start := time.Now()
		for range c {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := 0; ; r++ {
					if n := benchServeFlags.requests; n > 0 && r >= n || n == 0 && time.Since(start) >= benchServeFlags.duration {
						return
					}
					n, ttft, err := streamOnce(client, url, nextBody())
					mu.Lock()
					if err != nil && first == nil {
						first = err
					}
					tokens += n
					ttfts = append(ttfts, ttft)
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		if first != nil {
			return first
		}
		m1, err := scrapeCounters(client, "http://"+ln.Addr().String()+"/metrics")
		if err != nil {
			return err
		}
		delta := func(name string) float64 { return m1[name] - m0[name] }
		perStep, cached := 0.0, 0.0
		if steps := delta("golem_batch_steps_total"); steps > 0 {
			perStep = delta("golem_generated_tokens_total") / steps
		}
		if p := delta("golem_prompt_tokens_total"); p > 0 {
			cached = delta("golem_prompt_cached_tokens_total") / p
		}
		sort.Slice(ttfts, func(i, j int) bool { return ttfts[i] < ttfts[j] })
		printBench(cmd.OutOrStdout(), benchResult{
			Bench: "serve", Unit: "tokens/s", Golem: float64(tokens) / elapsed.Seconds(),
			Extra: []kv{
				{"clients", c},
				{"ttft_p50_ms", round3(ms(percentile(ttfts, 50)))},
				{"ttft_p99_ms", round3(ms(percentile(ttfts, 99)))},
				{"tokens_per_step", round3(perStep)},
				{"prompt_cached", round3(cached)},
			},
		})
	}
	return nil
}

// scrapeCounters reads the server's counters from its /metrics: the
// generated tokens over the batch steps of a run is its mean batch size.
func scrapeCounters(client *http.Client, url string) (map[string]float64, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	c := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || !strings.HasPrefix(f[0], "golem_") {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("bench serve: /metrics: %v", err)
		}
		c[f[0]] = v
	}
	return c, sc.Err()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

// streamOnce sends one streaming completion request and reads it to the
// end. It returns the completion tokens (from the usage chunk) and the time
// to the first chunk with text.
func streamOnce(client *http.Client, url string, body []byte) (int, time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return 0, 0, fmt.Errorf("bench serve: status %d: %s", resp.StatusCode, strings.TrimSpace(b.String()))
	}
	var ttft time.Duration
	tokens, done := -1, false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// Lines are looked at as bytes, without a string per line: the
		// client shares the machine with the server it measures.
		data, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: "))
		if !ok {
			continue
		}
		if string(data) == "[DONE]" {
			done = true
			break
		}
		// Only the usage and error chunks are decoded: parsing every token's
		// chunk would bill the server for the benchmark client's work.
		if ttft == 0 && bytes.Contains(data, []byte(`"text":"`)) && !bytes.Contains(data, []byte(`"text":""`)) {
			ttft = time.Since(start)
		}
		if !bytes.Contains(data, []byte(`"usage"`)) && !bytes.Contains(data, []byte(`"error"`)) {
			continue
		}
		var ch struct {
			Usage *struct {
				CompletionTokens int `json:"completion_tokens"`
			}
			Error *struct{ Message string }
		}
		if err := json.Unmarshal(data, &ch); err != nil {
			return 0, 0, fmt.Errorf("bench serve: bad chunk %q: %v", data, err)
		}
		if ch.Error != nil {
			return 0, 0, fmt.Errorf("bench serve: stream error: %s", ch.Error.Message)
		}
		if ch.Usage != nil {
			tokens = ch.Usage.CompletionTokens
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if !done || tokens < 0 {
		return 0, 0, fmt.Errorf("bench serve: stream ended without usage and [DONE]")
	}
	// Read on to the end of the body (the chunked encoding's last chunk
	// follows [DONE]), as a client that reads the whole stream does, so
	// that the connection goes back to the pool instead of being closed.
	io.Copy(io.Discard, resp.Body)
	return tokens, ttft, nil
}
