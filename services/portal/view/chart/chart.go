// Package chart draws the demand dashboards' charts on the server as SVG
// (gonum.org/v1/plot), in the GOV.UK Design System's colours and type
// sizes. A chart only illustrates: the page always shows its figures in a
// table beside it, and the <img> carrying it says in words what it shows.
package chart

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/color"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The design system's palette (govuk-frontend 6): text, the secondary
// text, borders, and the colours series take in turn — chosen so that
// neighbours differ in lightness as well as hue.
var (
	Black     = rgb(0x0b, 0x0c, 0x0c)
	DarkGrey  = rgb(0x50, 0x5a, 0x5f)
	MidGrey   = rgb(0xb1, 0xb4, 0xb6)
	LightGrey = rgb(0xf3, 0xf2, 0xf1)
	Blue      = rgb(0x1d, 0x70, 0xb8)
	LightBlue = rgb(0x5b, 0x9b, 0xd5)
	series    = []color.Color{
		Blue,                  // blue
		rgb(0xf4, 0x77, 0x38), // orange
		rgb(0x00, 0x30, 0x78), // dark blue
		rgb(0x28, 0xa1, 0x97), // turquoise
		rgb(0x4c, 0x2c, 0x92), // purple
		rgb(0x00, 0x70, 0x3c), // green
		rgb(0xd5, 0x38, 0x80), // pink
		rgb(0xb5, 0x88, 0x40), // brown
		rgb(0x6f, 0x72, 0xaf), // light purple
		DarkGrey,              // dark grey
	}
)

func rgb(r, g, b uint8) color.Color { return color.RGBA{R: r, G: g, B: b, A: 0xff} }

// Colour is the i-th series colour.
func Colour(i int) color.Color { return series[i%len(series)] }

// Type sizes: the design system's 19px body and 16px small text at 96 dpi
// are 14.25pt and 12pt.
var (
	bodySize  = font.Length(14.25)
	smallSize = font.Length(12)
)

// Size of every chart: the width of the two-thirds column on a desktop.
const (
	width  = 16 * vg.Centimeter
	height = 9 * vg.Centimeter
)

// Series is one named set of values; NaN is a value not shown (a
// suppressed cell).
type Series struct {
	Name   string
	Values []float64
}

var errEmpty = errors.New("chart: nothing to draw")

func newPlot(title, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = bodySize
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
	p.Title.TextStyle.Color = Black
	p.Title.Padding = vg.Points(8)
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = smallSize
		a.Label.TextStyle.Color = Black
		a.Tick.Label.Font.Size = smallSize
		a.Tick.Label.Color = Black
		a.Color = DarkGrey
		a.Tick.Color = DarkGrey
	}
	p.Legend.TextStyle.Font.Size = smallSize
	p.Legend.TextStyle.Color = Black
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(2)
	p.Y.Min = 0
	p.Add(&plotter.Grid{Horizontal: draw.LineStyle{Color: LightGrey, Width: vg.Points(1)}})
	return p
}

// counts is a Y axis of whole numbers, written as the design system
// writes numbers ("1,200"): no 2.5 children.
type counts struct{ prefix string }

func (c counts) Ticks(min, max float64) []plot.Tick {
	if max-min <= 12 { // small counts: a tick on every whole number (or every other)
		step := 1.0
		if max-min > 6 {
			step = 2
		}
		var out []plot.Tick
		for v := math.Ceil(min); v <= max; v += step {
			out = append(out, plot.Tick{Value: v, Label: c.prefix + thousands(int64(v))})
		}
		return out
	}
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	out := ticks[:0]
	for _, t := range ticks {
		if t.Label == "" {
			out = append(out, t)
		} else if t.Value == math.Trunc(t.Value) {
			t.Label = c.prefix + thousands(int64(t.Value))
			out = append(out, t)
		}
	}
	return out
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// headroom lifts the Y axis so that a legend of n entries at the top does
// not cover the data.
func headroom(p *plot.Plot, max float64, n int) {
	if max <= 0 {
		max = 1
	}
	p.Y.Max = max * (1.1 + 0.09*float64(n))
}

// Bars is a horizontal bar chart, the first category at the top: one bar
// per category for each series, side by side. Categories with nothing to
// show in any series are left out (the table still lists them).
func Bars(title, xLabel string, categories []string, ss []Series) ([]byte, error) {
	var keep []int
	for i := range categories {
		for _, s := range ss {
			if i < len(s.Values) && !math.IsNaN(s.Values[i]) && s.Values[i] != 0 {
				keep = append(keep, i)
				break
			}
		}
	}
	if len(keep) == 0 {
		return nil, errEmpty
	}
	p := newPlot(title, "")
	p.X.Label.Text = xLabel
	p.X.Tick.Marker = counts{}
	p.X.Min = 0
	p.Y.Min, p.Y.Max = math.Inf(1), math.Inf(-1) // from the data, as plot.New leaves them
	p.Y.Tick.Marker = plot.DefaultTicks{}
	p.Legend.Top = false
	// Bottom to top: the first category is drawn last, at the top.
	names := make([]string, len(keep))
	for j, i := range keep {
		names[len(keep)-1-j] = categories[i]
	}
	band := 0.7 * vg.Centimeter
	h := max(height, vg.Length(len(keep))*band*vg.Length(max(1, len(ss)))*0.75+4*vg.Centimeter)
	slot := (h - 3*vg.Centimeter) / vg.Length(len(keep))
	w := min(slot*0.8/vg.Length(len(ss)), vg.Centimeter)
	var top float64
	for i, s := range ss {
		vs := make(plotter.Values, len(keep))
		for j, k := range keep {
			if k < len(s.Values) && !math.IsNaN(s.Values[k]) {
				vs[len(keep)-1-j] = s.Values[k]
				top = max(top, s.Values[k])
			}
		}
		b, err := plotter.NewBarChart(vs, w)
		if err != nil {
			return nil, err
		}
		b.Horizontal = true
		b.Color = Colour(i)
		b.LineStyle.Width = 0
		// The first series on top within each category.
		b.Offset = -w * (vg.Length(i) - vg.Length(len(ss)-1)/2)
		p.Add(b)
		if len(ss) > 1 {
			p.Legend.Add(s.Name, b)
		}
	}
	p.NominalY(names...)
	if top <= 0 {
		top = 1
	}
	p.X.Max = top * 1.35 // room for the legend, bottom right
	return svgSized(p, width, h)
}

// Lines is one line per series over the labelled points (dates); a NaN
// breaks the line.
func Lines(title, yLabel string, labels []string, ss []Series) ([]byte, error) {
	if len(labels) == 0 || len(ss) == 0 {
		return nil, errEmpty
	}
	p := newPlot(title, yLabel)
	p.Y.Tick.Marker = counts{}
	var top float64
	ss = slices.DeleteFunc(slices.Clone(ss), func(s Series) bool {
		return !slices.ContainsFunc(s.Values, func(v float64) bool { return v > 0 })
	})
	if len(ss) == 0 {
		return nil, errEmpty
	}
	for i, s := range ss {
		style := draw.LineStyle{Color: Colour(i), Width: vg.Points(2.5)}
		var first *plotter.Line
		for _, part := range runs(s.Values) {
			l, err := plotter.NewLine(part)
			if err != nil {
				return nil, err
			}
			l.LineStyle = style
			p.Add(l)
			if first == nil {
				first = l
			}
			for _, xy := range part {
				top = max(top, xy.Y)
			}
		}
		if first != nil {
			p.Legend.Add(s.Name, first)
		}
	}
	p.NominalX(thin(labels)...)
	headroom(p, top, len(ss))
	return svg(p)
}

// runs splits values at NaNs into the unbroken stretches of a line.
func runs(vs []float64) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i, v := range vs {
		if math.IsNaN(v) {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, plotter.XY{X: float64(i), Y: v})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// thin keeps at most about eight labels on an axis, so they do not overlap.
func thin(labels []string) []string {
	out := make([]string, len(labels))
	step := (len(labels) + 7) / 8
	for i, l := range labels {
		if i%step == 0 || i == len(labels)-1 {
			out[i] = l
		}
	}
	return out
}

// Fan is a forecast as a fan: the history as a solid line, then the
// central projection as a dashed line inside the shaded band from the low
// to the high projection. labels cover history then the forecast; low,
// central and high start at the last point of the history.
func Fan(title, yLabel string, labels []string, history []float64, low, central, high []float64) ([]byte, error) {
	if len(central) == 0 || len(low) != len(central) || len(high) != len(central) {
		return nil, errEmpty
	}
	p := newPlot(title, yLabel)
	p.Y.Tick.Marker = counts{}
	start := float64(len(history) - 1)
	if len(history) == 0 {
		start = 0
	}
	var top float64
	band := make(plotter.XYs, 0, 2*len(central))
	for i, v := range low {
		band = append(band, plotter.XY{X: start + float64(i), Y: v})
	}
	for i := len(high) - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: start + float64(i), Y: high[i]})
		top = max(top, high[i])
	}
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		return nil, err
	}
	poly.Color = LightBlue
	poly.LineStyle.Width = 0
	p.Add(poly)
	p.Legend.Add("Range (low to high)", poly)
	for _, part := range runs(history) {
		l, err := plotter.NewLine(part)
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: Black, Width: vg.Points(2.5)}
		p.Add(l)
		if part[0].X == runs(history)[0][0].X {
			p.Legend.Add("Children looked after", l)
		}
		for _, xy := range part {
			top = max(top, xy.Y)
		}
	}
	cs := make(plotter.XYs, len(central))
	for i, v := range central {
		cs[i] = plotter.XY{X: start + float64(i), Y: v}
	}
	l, err := plotter.NewLine(cs)
	if err != nil {
		return nil, err
	}
	l.LineStyle = draw.LineStyle{Color: rgb(0x00, 0x30, 0x78), Width: vg.Points(2.5), Dashes: []vg.Length{vg.Points(6), vg.Points(4)}}
	p.Add(l)
	p.Legend.Add("Central projection", l)
	p.NominalX(thin(labels)...)
	headroom(p, top, 3)
	return svg(p)
}

// Ranges is one bar per category from its low to its high value with a
// mark at its middle value: price quartiles and their median.
func Ranges(title, yLabel string, categories []string, low, mid, high []float64) ([]byte, error) {
	if len(categories) == 0 {
		return nil, errEmpty
	}
	p := newPlot(title, yLabel)
	p.Y.Tick.Marker = counts{prefix: "£"}
	slot := (width - 3*vg.Centimeter) / vg.Length(len(categories))
	w := min(slot*0.6, 1.5*vg.Centimeter)
	base := make(plotter.Values, len(categories))
	span := make(plotter.Values, len(categories))
	var top float64
	for i := range categories {
		if math.IsNaN(low[i]) || math.IsNaN(high[i]) {
			continue
		}
		base[i], span[i] = low[i], high[i]-low[i]
		top = max(top, high[i])
	}
	// An invisible bar up to the lower quartile carries the visible one.
	under, err := plotter.NewBarChart(base, w)
	if err != nil {
		return nil, err
	}
	under.Color = color.Transparent
	under.LineStyle.Width = 0
	over, err := plotter.NewBarChart(span, w)
	if err != nil {
		return nil, err
	}
	over.StackOn(under)
	over.Color = LightBlue
	over.LineStyle.Width = 0
	p.Add(under, over)
	p.Legend.Add("Lower to upper quartile", over)
	var marks plotter.XYs
	for i := range categories {
		if !math.IsNaN(mid[i]) {
			marks = append(marks, plotter.XY{X: float64(i), Y: mid[i]})
		}
	}
	if len(marks) > 0 {
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: rgb(0x00, 0x30, 0x78), Radius: w / 2, Shape: hbar{}}
		p.Add(sc)
		p.Legend.Add("Median", sc)
	}
	p.NominalX(categories...)
	headroom(p, top, 2)
	return svg(p)
}

// hbar is a horizontal stroke as wide as the glyph: a median mark.
type hbar struct{}

func (hbar) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(3)})
	var path vg.Path
	path.Move(vg.Point{X: pt.X - sty.Radius, Y: pt.Y})
	path.Line(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	c.Stroke(path)
}

// svg writes the plot as SVG in the system font stack the portal uses
// (Liberation Sans measures the text: it is metric-compatible with Arial).
func svg(p *plot.Plot) ([]byte, error) { return svgSized(p, width, height) }

func svgSized(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	setFonts(p)
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	out := strings.ReplaceAll(buf.String(), "font-family:Liberation Sans", "font-family:Arial,Helvetica,sans-serif")
	// Without a fixed size the image takes its column's width, keeping
	// its proportions.
	out = fixedSize.ReplaceAllString(out, "<svg ")
	return []byte(out), nil
}

var fixedSize = regexp.MustCompile(`<svg width="[^"]*" height="[^"]*" `)

// setFonts makes every text of the plot sans-serif (gonum's default is a
// serif face).
func setFonts(p *plot.Plot) {
	sans := func(f *font.Font) { f.Typeface, f.Variant = "Liberation", "Sans" }
	sans(&p.Title.TextStyle.Font)
	sans(&p.Legend.TextStyle.Font)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		sans(&a.Label.TextStyle.Font)
		sans(&a.Tick.Label.Font)
	}
}

// DataURI is an SVG as an <img> source: the page's content security policy
// allows data: images, and an SVG in an <img> runs nothing.
func DataURI(svg []byte) string {
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg)
}
