package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/apimlab/apimlab/sim"
)

// assets are the HTML report's template and stylesheet, embedded so that
// the report is one self-contained file and the binary needs nothing
// beside it.
//
//go:embed assets/run.html.tmpl assets/run.css
var assets embed.FS

var (
	htmlTemplate = template.Must(template.ParseFS(assets, "assets/run.html.tmpl"))
	htmlCSS      = mustAsset("assets/run.css")
)

func mustAsset(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// RunHTML prints a run as one self-contained HTML page: inline CSS and SVG,
// no script and no network access (a Content-Security-Policy forbids
// any), light and dark following prefers-color-scheme. It shows the run
// settings, the assertions, a breaker timeline per backend and instance
// with fault windows and load phases, stacked traffic per backend, the
// client status mix, client p50/p99, the distribution table per phase,
// the transitions and the backends. Long runs are downsampled to
// MaxColumns columns (the page says so), which keeps a 24-hour run with
// one-second buckets well under 2 MB.
type RunHTML struct {
	// Version is apimlab's version, shown in the footer.
	Version string
	// MaxColumns bounds the columns of every time chart and the bands of
	// a timeline row; 0 means DefaultHTMLColumns.
	MaxColumns int
	// MaxTransitions bounds the rows of the transition table; 0 means
	// DefaultHTMLTransitions. The rest are counted, and stay in the JSON.
	MaxTransitions int
}

// DefaultHTMLColumns is the default RunHTML.MaxColumns: about one column
// per pixel and a half of the plot area.
const DefaultHTMLColumns = 600

// DefaultHTMLTransitions is the default RunHTML.MaxTransitions.
const DefaultHTMLTransitions = 1000

// maxTimelineBands bounds the band rectangles of the whole timeline
// (about 100 bytes each), so that many flapping breakers on many
// instances cannot push a long run's page past 2 MB.
const maxTimelineBands = 12000

// bandsPerRow returns how many bands each of rows timeline rows may draw:
// cols, or less when the rows together would exceed maxTimelineBands (but
// never under 40, enough to show each opening of a breaker that flaps a
// few times an hour over a day).
func bandsPerRow(rows, cols int) int {
	if rows == 0 {
		return cols
	}
	return max(min(cols, maxTimelineBands/rows), 40)
}

// backendClasses is the number of backend colours in run.css (c0…c7);
// more backends reuse them in order.
const backendClasses = 8

type htmlPage struct {
	Name, Description, Version  string
	Verdict, VerdictClass       string
	Passed                      int
	ResultVersion               int
	CSS                         template.CSS
	Info                        [][2]string
	Note                        string
	Warnings                    []string
	Assertions                  []sim.AssertionResult
	BreakerModel                string
	TransportErrors             string
	Timeline, Traffic, Clients  template.HTML
	Latency                     template.HTML
	TrafficLegend, ClientLegend [][2]string
	ColumnWidth                 string
	Tolerance                   string
	Phases                      []htmlPhase
	Transitions                 []htmlTransition
	TransitionsCut              string
	Backends                    []htmlBackend
}

type htmlPhase struct {
	Name, Stream, Span, Summary string
	Rows                        []htmlDistRow
}

type htmlDistRow struct {
	Backend, Pool, Share, Observed, Expected string
	Served                                   uint64
	Deviates                                 bool
}

type htmlTransition struct {
	At, Backend, From, To, Reason string
	Instance                      int
}

type htmlBackend struct {
	Name, Kind, Target, Breaker, Fake string
}

// Print implements RunPrinter.
func (h *RunHTML) Print(w io.Writer, r *sim.Result) error {
	cols := h.MaxColumns
	if cols <= 0 {
		cols = DefaultHTMLColumns
	}
	maxTrans := h.MaxTransitions
	if maxTrans <= 0 {
		maxTrans = DefaultHTMLTransitions
	}
	a := newAxis(r, cols)
	passed, _ := assertionCounts(r)
	page := htmlPage{
		Name: "simulation", Version: h.Version, Verdict: verdict(r), Passed: passed, ResultVersion: r.Version,
		CSS: template.CSS(htmlCSS), Info: runInfoPairs(r), Note: a.note(), Warnings: r.Warnings,
		Assertions: r.Assertions, BreakerModel: r.Run.BreakerModel, TransportErrors: r.Run.Transport(), ColumnWidth: fmtDur(a.colStart(1)),
		Tolerance: fmtPct(shareTolerance),
	}
	if page.Version == "" {
		page.Version = "dev"
	}
	if r.Scenario != nil {
		if r.Scenario.Name != "" {
			page.Name = r.Scenario.Name
		}
		page.Description = strings.TrimSpace(r.Scenario.Description)
	}
	page.VerdictClass = map[string]string{"PASS": "pass", "FAIL": "fail"}[page.Verdict]
	if page.VerdictClass == "" {
		page.VerdictClass = "none"
	}

	rows := timelineRows(r, a.Length)
	page.Timeline = template.HTML(timelineSVG(r, rows, a.Length, bandsPerRow(len(rows), cols)))

	rates := attemptRates(r, a)
	var layers []stackSeries
	for _, b := range backendNames(r) {
		v, ok := rates[b]
		if !ok {
			continue
		}
		class := fmt.Sprintf("c%d", len(layers)%backendClasses)
		layers = append(layers, stackSeries{Name: b, Class: class, Key: "backend", Data: b, V: v})
		page.TrafficLegend = append(page.TrafficLegend, [2]string{b, class})
	}
	page.Traffic = template.HTML(stackedSVG(r, a, layers, "/s", "attempts per second per backend, stacked"))

	classes := clientClassRates(r, a)
	var clientLayers []stackSeries
	for i, name := range sim.ClassNames {
		class := "s" + name
		clientLayers = append(clientLayers, stackSeries{Name: name, Class: class, Key: "class", Data: name, V: classes[i]})
		page.ClientLegend = append(page.ClientLegend, [2]string{name, class})
	}
	page.Clients = template.HTML(stackedSVG(r, a, clientLayers, "/s", "client requests per second by status class, stacked"))
	page.Latency = template.HTML(latencySVG(r, a, clientLatency(r, a)))

	for i := range r.Phases {
		p := &r.Phases[i]
		hp := htmlPhase{Name: p.Name, Stream: p.Stream, Span: fmtDur(p.Start.D()) + " → " + fmtDur(p.End.D()),
			Summary: fmt.Sprintf("%d requests at %s/s (%s requested), %s, error rate %s, p50 %s, p99 %s",
				p.Requests, fmtRate(p.AchievedRate), fmtRate(p.RequestedRate), statusMix(p.Status), fmtPct(p.ErrorRate),
				fmtLat(p.P50.D()), fmtLat(p.P99.D()))}
		for _, d := range distribution(r, p) {
			row := htmlDistRow{Backend: d.Backend, Pool: d.Pool, Served: d.Served, Share: fmtPct(d.Share), Deviates: d.Deviates}
			if d.Observed >= 0 {
				row.Observed = fmtPct(d.Observed)
			}
			if d.Expected >= 0 {
				row.Expected = fmtPct(d.Expected)
			}
			hp.Rows = append(hp.Rows, row)
		}
		page.Phases = append(page.Phases, hp)
	}

	for i, t := range r.Transitions {
		if i == maxTrans {
			page.TransitionsCut = fmt.Sprintf("The first %d of %d transitions are listed; the JSON result has them all.", maxTrans, len(r.Transitions))
			break
		}
		page.Transitions = append(page.Transitions, htmlTransition{At: fmtDur(t.At.D().Round(time.Millisecond)), Instance: t.Instance, Backend: t.Backend,
			From: t.From, To: t.To, Reason: transitionReason(t)})
	}
	for _, b := range r.Backends {
		hb := htmlBackend{Name: b.Name, Kind: b.Kind, Target: b.URL, Breaker: b.Breaker, Fake: b.Fake}
		if len(b.Members) > 0 {
			var ms []string
			for _, m := range b.Members {
				ms = append(ms, fmt.Sprintf("%s (priority %d, weight %d)", m.Backend, m.Priority, m.Weight))
			}
			hb.Target = strings.Join(ms, ", ")
		}
		page.Backends = append(page.Backends, hb)
	}
	return htmlTemplate.Execute(w, page)
}
