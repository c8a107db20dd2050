package serve

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// metrics holds the server's Prometheus metrics, written by hand in the
// text exposition format (version 0.0.4) by writeTo.
type metrics struct {
	queueDepth      atomic.Int64
	active          atomic.Int64
	promptTokens    atomic.Int64
	cachedTokens    atomic.Int64 // prompt tokens found in a reused state
	generatedTokens atomic.Int64
	steps           atomic.Int64

	mu       sync.Mutex
	requests map[[2]string]int64 // {endpoint, status} → count
	latency  map[string]*histogram
	ttft     map[string]*histogram
}

// Histogram bucket upper bounds, in seconds.
var (
	latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}
	ttftBuckets    = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
)

type histogram struct {
	bounds []float64
	counts []int64 // counts[i]: observations <= bounds[i] (not cumulative); last: +Inf
	sum    float64
	n      int64
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[[2]string]int64{},
		latency:  map[string]*histogram{},
		ttft:     map[string]*histogram{},
	}
}

func (m *metrics) request(endpoint string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{endpoint, strconv.Itoa(status)}]++
	observe(m.latency, latencyBuckets, endpoint, d)
}

func (m *metrics) firstToken(endpoint string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	observe(m.ttft, ttftBuckets, endpoint, d)
}

func observe(hs map[string]*histogram, bounds []float64, key string, d time.Duration) {
	h := hs[key]
	if h == nil {
		h = &histogram{bounds: bounds, counts: make([]int64, len(bounds)+1)}
		hs[key] = h
	}
	v := d.Seconds()
	i := sort.SearchFloat64s(h.bounds, v) // first bound >= v
	h.counts[i]++
	h.sum += v
	h.n++
}

// writeTo writes every metric in the Prometheus text format.
func (m *metrics) writeTo(w io.Writer) {
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	counter := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge("golem_queue_depth", "Sequences waiting for a batch slot.", m.queueDepth.Load())
	gauge("golem_active_sequences", "Sequences in the running batch.", m.active.Load())
	counter("golem_prompt_tokens_total", "Prompt tokens of admitted requests.", m.promptTokens.Load())
	counter("golem_prompt_cached_tokens_total", "Prompt tokens found in the cache of a finished sequence, not fed again.", m.cachedTokens.Load())
	counter("golem_generated_tokens_total", "Tokens sampled by the model.", m.generatedTokens.Load())
	counter("golem_batch_steps_total", "Batched model steps run.", m.steps.Load())

	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(w, "# HELP golem_requests_total HTTP requests by endpoint and status.\n# TYPE golem_requests_total counter\n")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		fmt.Fprintf(w, "golem_requests_total{endpoint=%s,status=%s} %d\n", quoteLabel(k[0]), quoteLabel(k[1]), m.requests[k])
	}
	writeHistograms(w, "golem_request_duration_seconds", "Time from request to the end of its response.", m.latency)
	writeHistograms(w, "golem_time_to_first_token_seconds", "Time from request to its first generated token.", m.ttft)
}

func writeHistograms(w io.Writer, name, help string, hs map[string]*histogram) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	eps := make([]string, 0, len(hs))
	for k := range hs {
		eps = append(eps, k)
	}
	sort.Strings(eps)
	for _, ep := range eps {
		h := hs[ep]
		l := quoteLabel(ep)
		var cum int64
		for i, b := range h.bounds {
			cum += h.counts[i]
			fmt.Fprintf(w, "%s_bucket{endpoint=%s,le=\"%s\"} %d\n", name, l, formatFloat(b), cum)
		}
		cum += h.counts[len(h.bounds)]
		fmt.Fprintf(w, "%s_bucket{endpoint=%s,le=\"+Inf\"} %d\n", name, l, cum)
		fmt.Fprintf(w, "%s_sum{endpoint=%s} %s\n", name, l, formatFloat(h.sum))
		fmt.Fprintf(w, "%s_count{endpoint=%s} %d\n", name, l, h.n)
	}
}

func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// quoteLabel quotes a label value: backslash, double quote and newline are
// escaped as the exposition format requires.
func quoteLabel(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '"':
			b = append(b, '\\', '"')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}
