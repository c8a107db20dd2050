package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golemml/golem/serve"
	"github.com/spf13/cobra"
)

var serveFlags struct {
	model, addr, apiKey, name string
	maxBatch, maxQueue        int
	prefillChunk              int
	timeout, drain            time.Duration
}

var serveCmd = &cobra.Command{
	Use:   "serve --model DIR",
	Short: "Serve a model over an OpenAI-compatible HTTP API, with a chat page",
	Long: `Serve loads a model folder (config.json, model.safetensors and tokenizer
files, optionally chat_template.txt) and answers OpenAI's
/v1/chat/completions, /v1/completions and /v1/models, with /healthz, /metrics
and a chat page at /. Requests are decoded together with continuous batching.

It listens on 127.0.0.1 unless --addr says otherwise. With --api-key (or
GOLEM_API_KEY) every request but /healthz and the page needs
"Authorization: Bearer KEY". SIGINT or SIGTERM drains: requests in flight,
streams included, finish (up to --drain-timeout) while new ones get 503.`,
	Args: cobra.NoArgs,
	RunE: runServe,
}

func init() {
	f := serveCmd.Flags()
	f.StringVar(&serveFlags.model, "model", "", "model folder (required)")
	f.StringVar(&serveFlags.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&serveFlags.apiKey, "api-key", "", "require this Bearer key (default $GOLEM_API_KEY)")
	f.StringVar(&serveFlags.name, "name", "", "model id to serve (default: the folder's name)")
	f.IntVar(&serveFlags.maxBatch, "max-batch", 16, "most sequences decoded together")
	f.IntVar(&serveFlags.maxQueue, "max-queue", 256, "most sequences waiting for a batch slot before 429")
	f.IntVar(&serveFlags.prefillChunk, "prefill-chunk", 0, "feed long prompts this many tokens per step (0: whole prompt)")
	f.DurationVar(&serveFlags.timeout, "timeout", 10*time.Minute, "longest a generation request may run")
	f.DurationVar(&serveFlags.drain, "drain-timeout", time.Minute, "how long shutdown waits for requests in flight")
	serveCmd.MarkFlagRequired("model")
	rootCmd.AddCommand(serveCmd)
}

// loadingHandler answers every request with 503 while the model loads.
var loadingHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintln(w, `{"error":{"message":"The model is loading.","type":"server_error","param":null,"code":"model_loading"}}`)
})

// swapHandler serves with whichever handler was stored last.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}
func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }

func runServe(cmd *cobra.Command, _ []string) error {
	key := serveFlags.apiKey
	if key == "" {
		key = os.Getenv("GOLEM_API_KEY")
	}
	if serveFlags.maxBatch < 1 || serveFlags.maxQueue < 1 {
		return fmt.Errorf("--max-batch %d and --max-queue %d must be >= 1", serveFlags.maxBatch, serveFlags.maxQueue)
	}
	logger := log.New(cmd.ErrOrStderr(), "golem serve: ", log.LstdFlags)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Listen first, so that /healthz says 503 while the model loads.
	ln, err := net.Listen("tcp", serveFlags.addr)
	if err != nil {
		return err
	}
	var h swapHandler
	h.set(loadingHandler)
	hs := &http.Server{Handler: &h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: logger}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	cfg, err := serve.LoadDir(serveFlags.model)
	if err != nil {
		hs.Close()
		return fmt.Errorf("--model: %w", err)
	}
	if serveFlags.name != "" {
		cfg.Name = serveFlags.name
	}
	cfg.APIKey = key
	cfg.MaxBatch, cfg.MaxQueue = serveFlags.maxBatch, serveFlags.maxQueue
	cfg.PrefillChunk, cfg.Timeout = serveFlags.prefillChunk, serveFlags.timeout
	srv, err := serve.New(cfg)
	if err != nil {
		hs.Close()
		return err
	}
	h.set(srv)
	auth := "no API key"
	if key != "" {
		auth = "Bearer API key required"
	}
	logger.Printf("serving %q (context %d, template %s, %s) on http://%s", cfg.Name, cfg.Model.ContextLen(), cfg.Template.Name, auth, ln.Addr())

	select {
	case err := <-served:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	stop() // a second signal kills the process
	logger.Printf("draining: new requests get 503; waiting up to %s for requests in flight", serveFlags.drain)
	dctx, cancel := context.WithTimeout(context.Background(), serveFlags.drain)
	defer cancel()
	if err := srv.Drain(dctx); err != nil {
		logger.Printf("drain: %v; closing anyway", err)
	}
	err = hs.Shutdown(dctx)
	srv.Close()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	logger.Printf("stopped")
	return nil
}
