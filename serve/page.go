package serve

import (
	_ "embed"
	"net/http"
)

// chatPage is the chat page served at GET /: plain HTML, CSS and
// JavaScript in one file, no external resources, so it works offline.
//
//go:embed web/index.html
var chatPage []byte

func servePage(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(chatPage)
}
