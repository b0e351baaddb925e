package reports

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"github.com/apimlab/apimlab/sim"
)

// Small, hand-written SVG for the HTML run report (docs/reports.md says
// why no charting library). Every chart shares one horizontal layout —
// the same width, left margin and scenario-time scale — so the breaker
// timeline, traffic, status mix and latency line up in the page. Colours
// come from CSS classes (assets/run.css), which is what lets one file
// follow the reader's light or dark preference.

const (
	svgWidth    = 960.0
	svgLeft     = 170.0 // room for "backend #instance" labels
	svgRight    = 16.0
	svgAxisH    = 22.0 // tick labels under a chart
	rowH        = 20.0
	rowGap      = 6.0
	chartH      = 150.0
	chartTop    = 10.0
	plotW       = svgWidth - svgLeft - svgRight
	labelCharPx = 6.6 // average width of a label character, to skip labels that do not fit
)

// svgX maps scenario time to x.
func svgX(t, length time.Duration) float64 {
	if length <= 0 {
		return svgLeft
	}
	return svgLeft + plotW*float64(t)/float64(length)
}

// f1 formats a coordinate with at most one decimal.
func f1(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

func esc(s string) string { return html.EscapeString(s) }

// niceTick returns a tick step for length giving about 6 to 12 ticks.
func niceTick(length time.Duration) time.Duration {
	steps := []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}
	for _, s := range steps {
		if length/s <= 12 {
			return s
		}
	}
	return length / 8
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// timeTicks draws vertical grid lines from y0 to y1 and time labels under
// y1.
func timeTicks(b *strings.Builder, length time.Duration, y0, y1 float64) {
	step := niceTick(length)
	b.WriteString(`<g class="axis">`)
	for t := time.Duration(0); t <= length; t += step {
		x := f1(svgX(t, length))
		fmt.Fprintf(b, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, x, x, f1(y0), f1(y1))
		anchor := "middle"
		if t == 0 {
			anchor = "start"
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s">%s</text>`, x, f1(y1+14), anchor, esc(fmtDur(t)))
	}
	b.WriteString(`</g>`)
}

// phaseMarks draws a dashed line at every phase boundary between y0 and
// y1.
func phaseMarks(b *strings.Builder, r *sim.Result, length time.Duration, y0, y1 float64) {
	seen := map[sim.Duration]bool{0: true, sim.Duration(length): true}
	for _, p := range r.Phases {
		if seen[p.Start] {
			continue
		}
		seen[p.Start] = true
		x := f1(svgX(p.Start.D(), length))
		fmt.Fprintf(b, `<line class="phase-mark" x1="%s" x2="%s" y1="%s" y2="%s"/>`, x, x, f1(y0), f1(y1))
	}
}

// timelineSVG draws the load phases of each stream, then one row per
// backend and instance with its breaker state bands and fault windows.
func timelineSVG(r *sim.Result, rows []timelineRow, length time.Duration, maxBands int) string {
	streams := []string{}
	for _, p := range r.Phases {
		if len(streams) == 0 || streams[len(streams)-1] != p.Stream {
			streams = append(streams, p.Stream)
		}
	}
	n := len(streams) + len(rows)
	h := chartTop + float64(n)*(rowH+rowGap) + svgAxisH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart timeline" viewBox="0 0 %s %s" role="img" aria-label="breaker states, fault windows and load phases over scenario time" xmlns="http://www.w3.org/2000/svg">`, f1(svgWidth), f1(h))
	b.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line class="hatch" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>`)
	yEnd := chartTop + float64(n)*(rowH+rowGap) - rowGap
	timeTicks(&b, length, chartTop, yEnd)
	y := chartTop
	for _, s := range streams {
		fmt.Fprintf(&b, `<g class="row phases" data-stream="%s"><text class="label" x="%s" y="%s" text-anchor="end">load: %s</text>`,
			esc(s), f1(svgLeft-8), f1(y+rowH*0.7), esc(s))
		j := 0
		for _, p := range r.Phases {
			if p.Stream != s {
				continue
			}
			x0, x1 := svgX(p.Start.D(), length), svgX(p.End.D(), length)
			fmt.Fprintf(&b, `<rect class="phase p%d" x="%s" y="%s" width="%s" height="%s"><title>phase %s: %s → %s, %s/s requested, %d requests</title></rect>`,
				j%2, f1(x0), f1(y), f1(max(x1-x0, 0.5)), f1(rowH), esc(p.Name), esc(fmtDur(p.Start.D())), esc(fmtDur(p.End.D())), fmtRate(p.RequestedRate), p.Requests)
			if float64(len(p.Name))*labelCharPx < x1-x0-4 {
				fmt.Fprintf(&b, `<text class="phase-label" x="%s" y="%s" text-anchor="middle">%s</text>`, f1((x0+x1)/2), f1(y+rowH*0.7), esc(p.Name))
			}
			j++
		}
		b.WriteString(`</g>`)
		y += rowH + rowGap
	}
	instances := max(r.Run.Instances, 1)
	for _, row := range rows {
		fmt.Fprintf(&b, `<g class="row breaker" data-backend="%s" data-instance="%d"><text class="label" x="%s" y="%s" text-anchor="end">%s</text>`,
			esc(row.Backend), row.Instance, f1(svgLeft-8), f1(y+rowH*0.7), esc(instanceLabel(row.Backend, row.Instance, instances)))
		for _, bd := range rasterBands(row.Bands, length, maxBands) {
			x0, x1 := svgX(bd.From, length), svgX(bd.To, length)
			title := "no circuit breaker"
			if bd.State != stateNone {
				title = fmt.Sprintf("%s %s → %s", bd.State, fmtDur(bd.From), fmtDur(bd.To))
			}
			fmt.Fprintf(&b, `<rect class="band st-%s" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
				bd.State, f1(x0), f1(y), f1(max(x1-x0, 0.5)), f1(rowH), esc(title))
		}
		for _, f := range row.Faults {
			x0, x1 := svgX(f.From.D(), length), svgX(f.To.D(), length)
			fmt.Fprintf(&b, `<rect class="fault" x="%s" y="%s" width="%s" height="%s"><title>fault %s → %s: %s</title></rect>`,
				f1(x0), f1(y), f1(max(x1-x0, 1)), f1(rowH), esc(fmtDur(f.From.D())), esc(fmtDur(f.To.D())), esc(f.Detail))
		}
		b.WriteString(`</g>`)
		y += rowH + rowGap
	}
	phaseMarks(&b, r, length, chartTop, yEnd)
	b.WriteString(`</svg>`)
	return b.String()
}

// stackSeries is one layer of a stacked chart.
type stackSeries struct {
	Name  string // shown in titles and the legend
	Class string // CSS class giving its colour
	Data  string // data-* value for tests and readers ("backend" or "class")
	Key   string // data-* attribute name
	V     []float64
}

// stackedSVG draws layers stacked over the axis' columns as steps (a
// column is a bucket, or a group of buckets when downsampled), a y scale
// in unit, phase boundaries, and a transparent strip per column whose
// title lists the values (hover, no script).
func stackedSVG(r *sim.Result, a timeAxis, layers []stackSeries, unit, label string) string {
	top := make([]float64, a.Cols)
	for _, l := range layers {
		for c, v := range l.V {
			top[c] += v
		}
	}
	peak := 0.0
	for _, v := range top {
		peak = max(peak, v)
	}
	ymax := niceCeil(peak)
	h := chartTop + chartH + svgAxisH
	yOf := func(v float64) float64 { return chartTop + chartH*(1-v/ymax) }
	xOf := func(c int) float64 { return svgX(a.colStart(c), a.Length) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart stacked" viewBox="0 0 %s %s" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, f1(svgWidth), f1(h), esc(label))
	timeTicks(&b, a.Length, chartTop, chartTop+chartH)
	yTicks(&b, ymax, unit, yOf)
	base := make([]float64, a.Cols)
	for _, l := range layers {
		var d strings.Builder
		// Upper edge left to right, then the base right to left.
		prev := math.NaN()
		for c := range a.Cols {
			y := yOf(base[c] + l.V[c])
			if c == 0 {
				fmt.Fprintf(&d, "M%s %s", f1(xOf(0)), f1(y))
			} else if y != prev {
				fmt.Fprintf(&d, "H%sV%s", f1(xOf(c)), f1(y))
			}
			prev = y
		}
		fmt.Fprintf(&d, "H%s", f1(svgX(a.Length, a.Length)))
		prev = math.NaN()
		for c := a.Cols - 1; c >= 0; c-- {
			y := yOf(base[c])
			if c == a.Cols-1 {
				fmt.Fprintf(&d, "V%s", f1(y))
			} else if y != prev {
				fmt.Fprintf(&d, "H%sV%s", f1(xOf(c+1)), f1(y))
			}
			prev = y
		}
		fmt.Fprintf(&d, "H%sZ", f1(xOf(0)))
		fmt.Fprintf(&b, `<path class="area %s" data-%s="%s" d="%s"><title>%s</title></path>`, l.Class, l.Key, esc(l.Data), d.String(), esc(l.Name))
		for c := range base {
			base[c] += l.V[c]
		}
	}
	phaseMarks(&b, r, a.Length, chartTop, chartTop+chartH)
	b.WriteString(`<g class="hover">`)
	for c := range a.Cols {
		var parts []string
		for _, l := range layers {
			if l.V[c] > 0 {
				parts = append(parts, fmt.Sprintf("%s %s", l.Name, fmtRate(l.V[c])))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "none")
		}
		x0, x1 := xOf(c), svgX(min(a.colStart(c+1), a.Length), a.Length)
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s → %s: %s %s</title></rect>`,
			f1(x0), f1(chartTop), f1(max(x1-x0, 0.5)), f1(chartH), esc(fmtDur(a.colStart(c))), esc(fmtDur(min(a.colStart(c+1), a.Length))),
			esc(strings.Join(parts, ", ")), esc(unit))
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// yTicks draws horizontal grid lines at 0, half and the top of the scale.
func yTicks(b *strings.Builder, ymax float64, unit string, yOf func(float64) float64) {
	b.WriteString(`<g class="axis">`)
	for _, v := range []float64{0, ymax / 2, ymax} {
		y := f1(yOf(v))
		fmt.Fprintf(b, `<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, f1(svgLeft), f1(svgWidth-svgRight), y, y)
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end">%s %s</text>`, f1(svgLeft-8), f1(yOf(v)+4), esc(trimFloat(v)), esc(unit))
	}
	b.WriteString(`</g>`)
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// latencySVG draws client p50 and p99 per column (gaps where no request
// was sent), in milliseconds.
func latencySVG(r *sim.Result, a timeAxis, pts []latencyPoint) string {
	peak := 0.0
	for _, p := range pts {
		peak = max(peak, ms(p.P99))
	}
	ymax := niceCeil(peak)
	h := chartTop + chartH + svgAxisH
	yOf := func(v float64) float64 { return chartTop + chartH*(1-v/ymax) }
	xMid := func(c int) float64 {
		return (svgX(a.colStart(c), a.Length) + svgX(min(a.colStart(c+1), a.Length), a.Length)) / 2
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart latency" viewBox="0 0 %s %s" role="img" aria-label="client latency p50 and p99 over scenario time" xmlns="http://www.w3.org/2000/svg">`, f1(svgWidth), f1(h))
	timeTicks(&b, a.Length, chartTop, chartTop+chartH)
	yTicks(&b, ymax, "ms", yOf)
	for _, q := range []struct {
		name string
		get  func(latencyPoint) time.Duration
	}{{"p99", func(p latencyPoint) time.Duration { return p.P99 }}, {"p50", func(p latencyPoint) time.Duration { return p.P50 }}} {
		var d strings.Builder
		for i, p := range pts {
			cmd := "L"
			if i == 0 || pts[i-1].Col != p.Col-1 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s", cmd, f1(xMid(p.Col)), f1(yOf(ms(q.get(p)))))
		}
		fmt.Fprintf(&b, `<path class="line %s" data-quantile="%s" d="%s"><title>client latency %s</title></path>`, q.name, q.name, d.String(), q.name)
	}
	phaseMarks(&b, r, a.Length, chartTop, chartTop+chartH)
	b.WriteString(`<g class="hover">`)
	for _, p := range pts {
		x0, x1 := svgX(a.colStart(p.Col), a.Length), svgX(min(a.colStart(p.Col+1), a.Length), a.Length)
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s → %s: p50 %s, p99 %s (%d requests)</title></rect>`,
			f1(x0), f1(chartTop), f1(max(x1-x0, 0.5)), f1(chartH), esc(fmtDur(a.colStart(p.Col))), esc(fmtDur(min(a.colStart(p.Col+1), a.Length))),
			esc(fmtLat(p.P50)), esc(fmtLat(p.P99)), p.N)
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
