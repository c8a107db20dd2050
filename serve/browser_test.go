package serve

// The chat page is tested in headless Chromium driven through the W3C
// WebDriver protocol by Debian's chromedriver (package chromium-driver).
// WebDriver is plain JSON over HTTP, so the client below is a few lines of
// net/http and the module gains no dependency (chromedp would add cdproto
// and a websocket library for the same four actions).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// findBrowser returns the Chromium and chromedriver binaries, skipping the
// test when they are missing unless GOLEM_REQUIRE_BROWSER=1 (set in CI),
// which makes their absence a failure.
func findBrowser(t *testing.T) (chromium, driver string) {
	t.Helper()
	var missing []string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		missing = append(missing, "chromium (apt-get install chromium)")
	}
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		missing = append(missing, "chromedriver (apt-get install chromium-driver)")
	}
	if len(missing) > 0 {
		msg := "browser test needs " + strings.Join(missing, " and ")
		if os.Getenv("GOLEM_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + "; GOLEM_REQUIRE_BROWSER=1 makes this a failure")
		}
		t.Skip(msg)
	}
	return chromium, driver
}

// webDriver is a minimal W3C WebDriver client for one session.
type webDriver struct {
	t       *testing.T
	base    string
	session string
}

// call sends a WebDriver command and returns its "value".
func (d *webDriver) call(method, path string, body any) json.RawMessage {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, d.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out struct{ Value json.RawMessage }
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil || resp.StatusCode != 200 {
		d.t.Fatalf("webdriver %s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return out.Value
}

func (d *webDriver) element(css string) string {
	d.t.Helper()
	var v map[string]string
	json.Unmarshal(d.call("POST", d.session+"/element", map[string]string{"using": "css selector", "value": css}), &v)
	id := v["element-6066-11e4-a52e-4f735466cecf"]
	if id == "" {
		d.t.Fatalf("no element %s: %v", css, v)
	}
	return d.session + "/element/" + id
}

func (d *webDriver) script(js string) json.RawMessage {
	d.t.Helper()
	return d.call("POST", d.session+"/execute/sync", map[string]any{"script": js, "args": []any{}})
}

// poll evaluates js every 20 ms until it returns want, for at most 30 s.
func (d *webDriver) poll(what, js string, want func(string) bool) string {
	d.t.Helper()
	var last string
	for range 1500 {
		var s *string
		json.Unmarshal(d.script(js), &s)
		if s != nil {
			last = *s
			if want(last) {
				return last
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.t.Fatalf("timed out waiting for %s; last value %q", what, last)
	return ""
}

func startDriver(t *testing.T, chromium, driver string) *webDriver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(driver, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("chromedriver output:\n%s", logs.String())
		}
	})
	d := &webDriver{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	ready := false
	for range 500 {
		resp, err := http.Get(d.base + "/status")
		if err == nil {
			var st struct{ Value struct{ Ready bool } }
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if st.Value.Ready {
				ready = true
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !ready {
		t.Fatalf("chromedriver did not become ready:\n%s", logs.String())
	}
	var sess struct{ SessionID string }
	json.Unmarshal(d.call("POST", "/session", map[string]any{
		"capabilities": map[string]any{"alwaysMatch": map[string]any{
			"goog:chromeOptions": map[string]any{
				"binary": chromium,
				"args": []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--no-first-run", "--user-data-dir=" + t.TempDir()},
			},
		}},
	}), &sess)
	if sess.SessionID == "" {
		t.Fatal("webdriver: no session id")
	}
	d.session = "/session/" + sess.SessionID
	t.Cleanup(func() { d.call("DELETE", d.session, nil) })
	return d
}

// TestChatPageInBrowser types a message into the chat page in headless
// Chromium, clicks Send, and watches the reply stream in: the model is held
// after 7 tokens, and the page must already show them; then the rest
// arrives. A second turn checks that the page resends the conversation.
func TestChatPageInBrowser(t *testing.T) {
	chromium, driver := findBrowser(t)
	g := newGate(8) // the 8th step waits: the reply has " abcdef" so far
	m := &bigramModel{ctxLen: 256, hook: g.hook}
	s, hs := newTestServer(t, Config{}, m)
	t.Cleanup(g.open)
	d := startDriver(t, chromium, driver)

	d.call("POST", d.session+"/url", map[string]string{"url": hs.URL + "/"})
	d.poll("the model name", `return document.getElementById("model").textContent`, func(s string) bool { return s == "bigram" })
	temp := d.element("#temperature")
	d.call("POST", temp+"/clear", map[string]any{})
	d.call("POST", temp+"/value", map[string]string{"text": "0"})
	d.call("POST", d.element("#input")+"/value", map[string]string{"text": "hi"})
	d.call("POST", d.element("#send")+"/click", map[string]any{})

	lastReply := `const b = document.querySelectorAll(".assistant"); return b.length ? b[b.length-1].textContent + (b[b.length-1].dataset.done ? "|done" : "") : null`
	<-g.reached
	got := d.poll("the first streamed tokens", lastReply, func(s string) bool { return s == " abcdef" })
	if strings.HasSuffix(got, "|done") {
		t.Fatal("the reply finished while the model was held")
	}
	g.open()
	d.poll("the whole reply", lastReply, func(s string) bool { return s == alphabet+"|done" })

	// Second turn: the page sends the whole conversation.
	d.call("POST", d.element("#input")+"/value", map[string]string{"text": "again"})
	d.call("POST", d.element("#send")+"/click", map[string]any{})
	d.poll("the second reply", `const b = document.querySelectorAll(".assistant"); return b.length == 2 && b[1].dataset.done ? b[1].textContent : null`,
		func(s string) bool { return s == alphabet })
	first, _ := DefaultTemplate().Apply([]Message{{"user", "hi"}})
	second, _ := DefaultTemplate().Apply([]Message{{"user", "hi"}, {"assistant", alphabet}, {"user", "again"}})
	if got, want := s.metrics.promptTokens.Load(), int64(len(first)+len(second)); got != want {
		t.Errorf("prompt tokens %d, want %d: the second turn did not carry the conversation", got, want)
	}
	var user []string
	json.Unmarshal(d.script(`return Array.from(document.querySelectorAll(".user")).map(e => e.textContent)`), &user)
	if strings.Join(user, "|") != "hi|again" {
		t.Errorf("user bubbles %q", user)
	}
}
