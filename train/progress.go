package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress reports training on a terminal with a progress bar (loss,
// tokens/s and ETA), or elsewhere with a plain line every PlainEvery.
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar
	iters    int           // total steps, 0 when training for a duration
	duration time.Duration // when iters is 0
	every    time.Duration
	last     time.Time
	start    time.Time
	first    int // iteration at start (resumed runs)
}

func newProgress(w io.Writer, terminal bool, every time.Duration, iters int, duration time.Duration, first int) *progress {
	p := &progress{w: w, iters: iters, duration: duration, every: every, first: first, start: time.Now()}
	if w == nil {
		return p
	}
	if terminal {
		max := iters
		opts := []progressbar.Option{progressbar.OptionShowCount()}
		if iters == 0 {
			// A bar over the seconds of the duration; the step count is
			// in the description.
			max, opts = int(duration.Seconds()), nil
		}
		p.bar = progressbar.NewOptions(max, append(opts,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionSetDescription("training"),
		)...)
		if iters > 0 && first > 0 {
			p.bar.Set(first)
		}
	}
	return p
}

// step reports the state after a training step.
func (p *progress) step(iter int, loss, lr, tokPerS float64, elapsed time.Duration) {
	if p.w == nil {
		return
	}
	if p.bar != nil {
		if p.iters > 0 {
			p.bar.Describe(fmt.Sprintf("loss %.4f  %s tok/s", loss, humanRate(tokPerS)))
		} else {
			p.bar.Describe(fmt.Sprintf("step %d  loss %.4f  %s tok/s", iter, loss, humanRate(tokPerS)))
		}
		if p.iters > 0 {
			p.bar.Set(iter)
		} else {
			p.bar.Set(int(elapsed.Seconds()))
		}
		return
	}
	now := time.Now()
	done := p.iters > 0 && iter >= p.iters
	if !done && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	var eta time.Duration
	if p.iters > 0 {
		if n := iter - p.first; n > 0 {
			eta = time.Duration(float64(now.Sub(p.start)) / float64(n) * float64(p.iters-iter))
		}
		fmt.Fprintf(p.w, "iter %d/%d  loss %.4f  lr %.3g  %s tok/s  elapsed %s  eta %s\n",
			iter, p.iters, loss, lr, humanRate(tokPerS), elapsed.Round(time.Second), eta.Round(time.Second))
		return
	}
	if p.duration > elapsed {
		eta = p.duration - elapsed
	}
	fmt.Fprintf(p.w, "iter %d  loss %.4f  lr %.3g  %s tok/s  elapsed %s  eta %s\n",
		iter, loss, lr, humanRate(tokPerS), elapsed.Round(time.Second), eta.Round(time.Second))
}

// line prints a message on its own line (above the bar on a terminal).
func (p *progress) line(format string, args ...any) {
	if p.w == nil {
		return
	}
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}

func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}
