package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The figure's size: three panels side by side, wide enough for a README.
const (
	figWidth  = 15 * vg.Inch
	figHeight = 5 * vg.Inch
	titleBand = 0.45 * vg.Inch
)

type format int

const (
	formatPNG format = iota
	formatSVG
)

// figure is the three panels and the title above them.
type figure struct {
	title  string
	panels []*plot.Plot
}

// panel is what one panel shows of a point; ok is false where the point
// has no such value (an unknown CPU share, a p99 of 0 on a log scale).
type panel struct {
	title, y string
	log      bool
	value    func(point) (v float64, ok bool)
}

var panels = []panel{
	{"delivered (partner copies)", "messages/s", false, func(p point) (float64, bool) { return p.deliv, true }},
	{"p99 latency, sender to partner", "ms (log scale)", true, func(p point) (float64, bool) { return p.p99, p.p99 > 0 }},
	{"CPU in the send phase (all but the generator)", "% of one core", false, func(p point) (float64, bool) { return p.cpuPct, p.cpuPct >= 0 }},
}

// newFigure draws the medians of rows; title "" names the node and pair
// counts.
func newFigure(rows []sample, title string) *figure {
	ss := medians(rows)
	if title == "" {
		nodes, pairs, runs := scale(rows, ss)
		of := "one run"
		if runs > 1 {
			of = fmt.Sprintf("medians of %d runs", runs)
		}
		single := ""
		if slices.ContainsFunc(rows, func(r sample) bool { return r.nodes == 1 }) && nodes > 1 {
			single = " (single: one)"
		}
		title = fmt.Sprintf("%d nodes per setup%s, %d twin pairs (%d clients): %s per level", nodes, single, pairs, 2*pairs, of)
	}
	f := &figure{title: title}
	for _, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "offered messages/s"
		p.Y.Label.Text = pn.y
		p.Legend.Top, p.Legend.Left = true, true
		p.Add(plotter.NewGrid())
		p.X.Min = 0
		p.X.Tick.Marker = plainTicks{}
		if pn.log {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = logTicks{}
		} else {
			p.Y.Min = 0
			p.Y.Tick.Marker = plainTicks{}
		}
		for i, s := range ss {
			var xy plotter.XYs
			for _, pt := range s.points {
				if v, ok := pn.value(pt); ok {
					xy = append(xy, plotter.XY{X: pt.offered, Y: v})
				}
			}
			if len(xy) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xy)
			if err != nil {
				continue // only NaN or infinite values, which parsing does not produce
			}
			line.Color, line.Width = plotutil.Color(i), vg.Points(1.5)
			points.Color, points.Shape = plotutil.Color(i), plotutil.Shape(i)
			p.Add(line, points)
			p.Legend.Add(s.mode, line, points)
		}
		// Room around the data, so the outermost glyphs are not cut in half
		// by the axes.
		p.X.Max *= 1.04
		if pn.log {
			p.Y.Min, p.Y.Max = p.Y.Min/1.15, p.Y.Max*1.15
		} else {
			p.Y.Max *= 1.06
		}
		f.panels = append(f.panels, p)
	}
	return f
}

// draw lays the title and the panels out on c.
func (f *figure) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	sty := f.panels[0].Title.TextStyle
	sty.Font.Size = vg.Points(15)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - titleBand/2}, f.title)
	body := draw.Crop(c, 0, 0, 0, -titleBand)
	tiles := draw.Tiles{Rows: 1, Cols: len(f.panels), PadX: vg.Inch / 3, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 4, PadBottom: vg.Inch / 8}
	at := plot.Align([][]*plot.Plot{f.panels}, tiles, body)
	for i, p := range f.panels {
		p.Draw(at[0][i])
	}
}

// writeTo renders the figure in format to w.
func (f *figure) writeTo(w io.Writer, fm format) error {
	var err error
	switch fm {
	case formatSVG:
		c := vgsvg.New(figWidth, figHeight)
		f.draw(draw.New(c))
		_, err = c.WriteTo(w)
	default:
		c := vgimg.New(figWidth, figHeight)
		f.draw(draw.New(c))
		_, err = vgimg.PngCanvas{Canvas: c}.WriteTo(w)
	}
	return err
}

// writeFile renders the figure in format to the file at path.
func (f *figure) writeFile(path string, fm format) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.writeTo(out, fm); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return out.Close()
}

// plainTicks are plot.DefaultTicks labelled without trailing zeros
// ("250", not "250.00").
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
		}
	}
	return ticks
}

// logTicks marks 1, 2 and 5 times each power of ten with a label, the
// other multiples without: plot.LogTicks labels powers of ten only, which
// leaves a p99 axis from 2 to 40 ms with one number on it.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	labelled := 0
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1.0; m < 10; m++ {
			v := m * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 4, 64)
				labelled++
			}
			ticks = append(ticks, t)
		}
	}
	// A range within one stretch of those (say 2.1 to 4.9) labels every tick.
	if labelled < 2 {
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 4, 64)
		}
	}
	return ticks
}
