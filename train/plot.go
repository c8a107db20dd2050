package train

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/golemml/golem/internal/atomicfile"
)

// PlotLoss draws the training loss of every record and the validation loss
// of the evaluation records against the iteration, and writes the chart to
// path as a PNG, atomically.
func PlotLoss(path string, records []Record) error {
	p := plot.New()
	p.Title.Text = "golem training loss"
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = "cross-entropy (nats/token)"
	p.Add(plotter.NewGrid())
	var tr, va plotter.XYs
	for _, r := range records {
		tr = append(tr, plotter.XY{X: float64(r.Iter), Y: r.TrainLoss})
		if r.ValLoss != nil {
			va = append(va, plotter.XY{X: float64(r.Iter), Y: *r.ValLoss})
		}
	}
	if len(tr) > 0 {
		l, err := plotter.NewLine(tr)
		if err != nil {
			return fmt.Errorf("plot %s: train curve: %w", path, err)
		}
		l.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
		p.Add(l)
		p.Legend.Add("train", l)
	}
	if len(va) > 0 {
		l, pts, err := plotter.NewLinePoints(va)
		if err != nil {
			return fmt.Errorf("plot %s: val curve: %w", path, err)
		}
		l.Color = color.RGBA{R: 255, G: 127, B: 14, A: 255}
		l.Width = vg.Points(2)
		pts.Color = l.Color
		p.Add(l, pts)
		p.Legend.Add("val", l)
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
}
