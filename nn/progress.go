package nn

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws Keras's per-epoch progress line:
//
//	120/391 [========>.....................] - ETA: 12s - loss: 0.4321 - accuracy: 0.8100
//
// redrawn in place with \r on a terminal; when the output is not a terminal
// (a log file, a pipe) only the final line of each epoch is written.
type progress struct {
	w       io.Writer
	tty     bool
	total   int
	start   time.Time
	verbose int
	last    time.Time
}

func newProgress(w io.Writer, total, verbose int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, tty: tty && verbose == 1, total: total, start: time.Now(), verbose: verbose}
}

// bar returns "  7/391 [>.....]" as Keras's Progbar (width 30).
func (p *progress) bar(cur int) string {
	digits := len(fmt.Sprint(p.total))
	s := fmt.Sprintf("%*d/%d [", digits, cur, p.total)
	const width = 30
	w := width * cur / p.total
	if w > 0 {
		s += strings.Repeat("=", w-1)
		if cur < p.total {
			s += ">"
		} else {
			s += "="
		}
	}
	return s + strings.Repeat(".", width-w) + "]"
}

func formatLogs(logs Logs) string {
	var b strings.Builder
	for _, e := range logs {
		if math.Abs(e.Value) > 1e-3 || e.Value == 0 {
			fmt.Fprintf(&b, " - %s: %.4f", e.Key, e.Value)
		} else {
			fmt.Fprintf(&b, " - %s: %.4e", e.Key, e.Value)
		}
	}
	return b.String()
}

// update redraws the line after batch cur (terminal only, at most every
// 50 ms).
func (p *progress) update(cur int, logs Logs) {
	if !p.tty || cur >= p.total {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 50*time.Millisecond {
		return
	}
	p.last = now
	per := now.Sub(p.start).Seconds() / float64(cur)
	eta := per * float64(p.total-cur)
	fmt.Fprintf(p.w, "\r%s - ETA: %s%s\033[K", p.bar(cur), fmtETA(eta), formatLogs(logs))
}

// finish writes the epoch's final line.
func (p *progress) finish(logs Logs) {
	el := time.Since(p.start).Seconds()
	per := el / float64(p.total)
	perS := fmt.Sprintf("%.0fms/step", per*1e3)
	if per >= 1 {
		perS = fmt.Sprintf("%.0fs/step", per)
	} else if per < 1e-3 {
		perS = fmt.Sprintf("%.0fus/step", per*1e6)
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%s - %.0fs %s%s\033[K\n", p.bar(p.total), el, perS, formatLogs(logs))
		return
	}
	fmt.Fprintf(p.w, "%d/%d - %.0fs - %s%s\n", p.total, p.total, el, perS, formatLogs(logs))
}

// fmtETA formats seconds as Keras: "1:02:03", "2:03" or "12s".
func fmtETA(s float64) string {
	t := int(s + 0.5)
	switch {
	case t > 3600:
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t%3600/60, t%60)
	case t > 60:
		return fmt.Sprintf("%d:%02d", t/60, t%60)
	}
	return fmt.Sprintf("%ds", t)
}
