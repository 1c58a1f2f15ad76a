package report

import (
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Chart is one drawn chart file.
type Chart struct {
	Title string
	Path  string
}

// DrawCharts draws, into dir, a bar chart of "% of ceiling" per figure and
// one line chart per measurement carrying a Series. It returns the charts it
// drew and the joined errors of those it could not.
func DrawCharts(dir string, r *Run) ([]Chart, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: charts: %w", err)
	}
	var out []Chart
	var errs []error
	if c, ok, err := ceilingChart(dir, r); err != nil {
		errs = append(errs, err)
	} else if ok {
		out = append(out, c)
	}
	for _, m := range r.Measurements {
		if m.Status != StatusOK || m.Series == nil || len(m.Series.X) == 0 {
			continue
		}
		c, err := seriesChart(dir, m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, c)
	}
	return out, errors.Join(errs...)
}

func ceilingChart(dir string, r *Run) (Chart, bool, error) {
	var vals plotter.Values
	var names []string
	// Bars are drawn bottom-up: walk backwards so the first figure is on top.
	for i := len(r.Measurements) - 1; i >= 0; i-- {
		if m := r.Measurements[i]; m.Status == StatusOK && m.Ratio > 0 {
			vals = append(vals, 100*m.Ratio)
			names = append(names, m.Name)
		}
	}
	if len(vals) == 0 {
		return Chart{}, false, nil
	}
	p := plot.New()
	p.Title.Text = "% of the measured ceiling"
	p.X.Label.Text = "% of ceiling"
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return Chart{}, false, fmt.Errorf("report: ceiling chart: %w", err)
	}
	bars.Horizontal = true
	bars.Color = color.RGBA{R: 70, G: 130, B: 180, A: 255}
	bars.LineStyle.Width = 0
	full, err := plotter.NewLine(plotter.XYs{{X: 100, Y: -0.5}, {X: 100, Y: float64(len(vals)) - 0.5}})
	if err != nil {
		return Chart{}, false, fmt.Errorf("report: ceiling chart: %w", err)
	}
	full.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	full.LineStyle.Color = color.RGBA{R: 200, A: 255}
	p.Add(bars, full, plotter.NewGrid())
	p.NominalY(names...)
	p.X.Min = 0
	h := vg.Length(len(vals))*vg.Points(20) + 2*vg.Inch
	c := Chart{Title: "% of ceiling", Path: filepath.Join(dir, "ceiling.png")}
	if err := p.Save(9*vg.Inch, h, c.Path); err != nil {
		return Chart{}, false, fmt.Errorf("report: ceiling chart: %w", err)
	}
	return c, true, nil
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

func seriesChart(dir string, m Measurement) (Chart, error) {
	s := m.Series
	if len(s.X) != len(s.Y) {
		return Chart{}, fmt.Errorf("report: series %s: %d x vs %d y", m.Name, len(s.X), len(s.Y))
	}
	p := plot.New()
	p.Title.Text = m.Name
	p.X.Label.Text = s.XLabel
	p.Y.Label.Text = s.YLabel
	pts := make(plotter.XYs, len(s.X))
	for i := range s.X {
		pts[i].X, pts[i].Y = s.X[i], s.Y[i]
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return Chart{}, fmt.Errorf("report: series %s: %w", m.Name, err)
	}
	line.Color = plotutil.Color(0)
	points.Color = plotutil.Color(0)
	p.Add(line, points, plotter.NewGrid())
	p.Y.Min = 0
	if logX(s.X) {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	name := "series-" + strings.Trim(unsafeName.ReplaceAllString(m.Name, "-"), "-") + ".png"
	c := Chart{Title: m.Name, Path: filepath.Join(dir, name)}
	if err := p.Save(7*vg.Inch, 4*vg.Inch, c.Path); err != nil {
		return Chart{}, fmt.Errorf("report: series %s: %w", m.Name, err)
	}
	return c, nil
}

// logX reports whether x is positive and spans more than 20×.
func logX(x []float64) bool {
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo > 0 && hi/lo > 20
}
