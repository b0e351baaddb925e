package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/internal/textdiff"
	"github.com/apimlab/apimlab/sim"
)

// runGolden lists the golden files of the run printers: every format of
// the registry, plus coloured text. (-update rewrites them.)
func runGolden() map[string]RunPrinter {
	out := map[string]RunPrinter{"text-color": &RunText{Color: true}}
	for _, name := range RunFormats() {
		p, err := NewRunPrinter(name, RunOptions{Version: "v0.9.0-test"})
		if err != nil {
			panic(err)
		}
		out[name] = p
	}
	return out
}

func TestRunGolden(t *testing.T) {
	res := goldenRun(t)
	for name, p := range runGolden() {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := p.Print(&buf, res); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "run", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./reports -run TestRunGolden -update)", err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("%s differs from %s (run with -update and review the diff):\n%s", name, path, textdiff.First(string(want), got))
			}
		})
	}
}

// TestGoldenRunShape checks the fixture itself against facts worked out by
// hand from its rules, so the goldens are known to show a breaker opening
// and closing on both instances, and passing and failing assertions.
func TestGoldenRunShape(t *testing.T) {
	res := goldenRun(t)
	// Instance 0 sends at 0, 0.5, 1, … s and its round robin (rr) gives
	// east for rr%4 in 0, 1, 2 and west for 3; 20 requests before 10 s
	// leave rr at 20. At 10 s: rr 20 east 503 (1), retry rr 21 east 503
	// (2); at 10.5 s: rr 22 east 503 (3) → open at 10.5 s.
	// Instance 1 sends at 0.25, 0.75, … from rr 2, so rr is 22 at
	// 10.25 s: east 503 (1), retry rr 23 west; at 10.75 s: rr 24 east 503
	// (2), retry rr 25 east 503 (3) → open at 10.75 s.
	// Open 5 s → half-open at 15.5 s / 15.75 s, the trial fails (fault
	// until 20 s) → open until 20.5 s / 20.75 s → half-open, the trial
	// succeeds → closed.
	want := []string{
		"10.5s 0 closed→open", "10.75s 1 closed→open",
		"15.5s 0 open→half-open", "15.5s 0 half-open→open", "15.75s 1 open→half-open", "15.75s 1 half-open→open",
		"20.5s 0 open→half-open", "20.5s 0 half-open→closed", "20.75s 1 open→half-open", "20.75s 1 half-open→closed",
	}
	var got []string
	for _, tr := range res.Transitions {
		got = append(got, tr.At.String()+" "+strconv.Itoa(tr.Instance)+" "+tr.From+"→"+tr.To)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("transitions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var pass, fail []string
	for _, a := range res.Assertions {
		if a.Passed {
			pass = append(pass, a.Kind)
		} else {
			fail = append(fail, a.Name)
		}
	}
	if len(pass) != 4 || len(fail) != 2 {
		t.Errorf("assertions: passed %v, failed %v; want 4 passed and the two deliberately failing ones", pass, fail)
	}
	if len(res.Phases) != 3 || len(res.Faults) != 1 || res.Run.Instances != 2 {
		t.Errorf("phases %d, faults %d, instances %d; want 3, 1, 2", len(res.Phases), len(res.Faults), res.Run.Instances)
	}
}

func TestRunFormatsRegistry(t *testing.T) {
	if got, want := strings.Join(RunFormats(), ","), "html,json,junit,markdown,text"; got != want {
		t.Errorf("RunFormats() = %s, want %s", got, want)
	}
	for _, bad := range []string{"", "sarif", "HTML", "htm"} {
		p, err := NewRunPrinter(bad, RunOptions{})
		if p != nil || !errors.Is(err, ErrUnknownRunFormat) {
			t.Errorf("NewRunPrinter(%q) = %v, %v; want ErrUnknownRunFormat", bad, p, err)
			continue
		}
		if !strings.Contains(err.Error(), "html, json, junit, markdown, text") {
			t.Errorf("error %q does not list the valid formats", err)
		}
	}
	for _, tc := range []struct{ format, file string }{
		{"html", "report.html"}, {"markdown", "report.md"}, {"json", "report.json"}, {"junit", "report.xml"}, {"text", "report.txt"},
	} {
		if got, err := RunFileName(tc.format); err != nil || got != tc.file {
			t.Errorf("RunFileName(%q) = %q, %v; want %q", tc.format, got, err, tc.file)
		}
	}
	if _, err := RunFileName("sarif"); !errors.Is(err, ErrUnknownRunFormat) {
		t.Errorf("RunFileName(sarif): %v, want ErrUnknownRunFormat", err)
	}
}

func TestRunPrintersReturnWriteErrors(t *testing.T) {
	res := goldenRun(t)
	for name, p := range runGolden() {
		for _, after := range []int{0, 100, 2000} {
			if err := p.Print(&failAfter{n: after}, res); !errors.Is(err, errDiskFull) {
				t.Errorf("%s failing after %d bytes: err = %v, want the write error", name, after, err)
			}
		}
	}
}

func TestRunJSONRoundTrip(t *testing.T) {
	res := goldenRun(t)
	var buf bytes.Buffer
	if err := (RunJSON{}).Print(&buf, res); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "result.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := sim.ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every printer renders the re-read result as it does the original
	// (except for fields the JSON does not carry: the scenario's file).
	for name, p := range runGolden() {
		var a, b bytes.Buffer
		orig := *res
		sc := *res.Scenario
		sc.File = ""
		orig.Scenario = &sc
		if err := p.Print(&a, &orig); err != nil {
			t.Fatal(err)
		}
		if err := p.Print(&b, back); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("%s of the re-read result differs:\n%s", name, textdiff.First(a.String(), b.String()))
		}
	}
}

func TestRunJUnitOneCasePerAssertion(t *testing.T) {
	res := goldenRun(t)
	var buf bytes.Buffer
	if err := (RunJUnit{}).Print(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != len(res.Assertions) {
		t.Fatalf("want one suite with %d cases, got %+v", len(res.Assertions), doc)
	}
	if doc.Tests != 6 || doc.Failures != 2 {
		t.Errorf("tests=%d failures=%d, want 6 and 2", doc.Tests, doc.Failures)
	}
	for i, c := range doc.Suites[0].Cases {
		a := res.Assertions[i]
		switch {
		case a.Passed && c.Failure != nil:
			t.Errorf("%s passed but has a failure", a.Name)
		case !a.Passed && c.Failure == nil:
			t.Errorf("%s failed but has no failure", a.Name)
		case !a.Passed && (!strings.Contains(c.Failure.Message, a.Observed) || !strings.Contains(c.Failure.Text, a.Expected)):
			t.Errorf("%s: failure %q / %q lacks the observed value %q or the bound %q", a.Name, c.Failure.Message, c.Failure.Text, a.Observed, a.Expected)
		}
	}
}

func TestRunTextColourOnlyWhenAsked(t *testing.T) {
	res := goldenRun(t)
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		if err := (&RunText{Color: color}).Print(&buf, res); err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(buf.String(), "\x1b["); has != color {
			t.Errorf("Color=%v: output has escape codes = %v", color, has)
		}
	}
}

func TestRunMarkdownSections(t *testing.T) {
	res := goldenRun(t)
	var buf bytes.Buffer
	if err := (&RunMarkdown{}).Print(&buf, res); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	// The sparkline of east: 40 one-second columns; instance 0 and 1 each
	// send 2 requests a second, east gets 3 of 4 while closed → 3/s, and 0
	// while both breakers are open (12 s … 16 s: "·").
	re := regexp.MustCompile("\\| orders-east \\| `([^`]+)` \\|")
	m := re.FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no sparkline row for orders-east in:\n%s", md)
	}
	if n := len([]rune(m[1])); n != 40 {
		t.Errorf("sparkline has %d characters, want 40 (one per second)", n)
	}
	if !strings.Contains(m[1], "····") {
		t.Errorf("sparkline %q shows no gap while both breakers are open", m[1])
	}
	for _, want := range []string{"### Assertions", "### Breaker transitions", "### Distribution per phase", "❌", "✅", "> [!WARNING]"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// TestHTMLDayUnder2MB renders a 24-hour, one-second-bucket result and
// checks the page size and that it says it is downsampled.
func TestHTMLDayUnder2MB(t *testing.T) {
	res := dayRun(t)
	var buf bytes.Buffer
	if err := (&RunHTML{}).Print(&buf, res); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len(); n >= 2<<20 {
		t.Errorf("24 h report is %d bytes, want < 2 MiB", n)
	} else {
		t.Logf("24 h report: %d bytes", n)
	}
	if !strings.Contains(buf.String(), `id="downsampled"`) || !strings.Contains(buf.String(), "86400 buckets of 1s") {
		t.Error("24 h report does not say it is downsampled")
	}
	if got := strings.Count(buf.String(), `<g class="row breaker"`); got != 6 {
		t.Errorf("timeline rows = %d, want 3 backends × 2 instances", got)
	}
}

// TestHTMLSelfContained checks that the page loads nothing: no URL in a
// src or href, no script, a CSP that forbids fetching.
func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := (&RunHTML{}).Print(&buf, goldenRun(t)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "src=", "href=", "@import", "url(http"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{"default-src 'none'", "prefers-color-scheme: dark", `data-backend="orders-east" data-instance="1"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestRunPrintersDegenerateResults: every format renders results that
// carry little (no scenario, no phases, no buckets, a zero length, a
// backend without a breaker) without failing, and still names the verdict.
func TestRunPrintersDegenerateResults(t *testing.T) {
	results := map[string]*sim.Result{
		"empty": {Version: sim.ResultVersion},
		"no length, one bucket": {Version: sim.ResultVersion, Run: sim.RunInfo{Bucket: sim.Duration(time.Second)},
			Series:  []sim.Series{{Backend: "solo", Points: []sim.Point{{T: 3, Requests: 2}}}},
			Clients: []sim.Series{{Stream: "load", Instance: -1, Points: []sim.Point{{T: 3, Requests: 2}}}}},
		"failed assertion only": {Version: sim.ResultVersion, Run: sim.RunInfo{Length: sim.Duration(time.Minute)},
			Assertions: []sim.AssertionResult{{Name: "x", Kind: "rate", Expected: "≥ 90%", Observed: "10% <&>"}}},
	}
	for rname, res := range results {
		for fname, p := range runGolden() {
			var buf bytes.Buffer
			if err := p.Print(&buf, res); err != nil {
				t.Errorf("%s / %s: %v", rname, fname, err)
				continue
			}
			if fname == "json" || fname == "junit" {
				continue
			}
			want := verdict(res)
			if !strings.Contains(buf.String(), want) {
				t.Errorf("%s / %s does not say %q:\n%s", rname, fname, want, buf.String())
			}
		}
	}
}

// TestHTMLFlappingDayUnder2MB: 8 backends on 4 instances whose breakers
// open for 15 s every 2 minutes for 24 hours (720 openings a row, 46,080
// transitions) still make a page under 2 MB: bands are rasterised and
// budgeted, the transition list is cut and says so.
func TestHTMLFlappingDayUnder2MB(t *testing.T) {
	res := &sim.Result{Version: sim.ResultVersion, Run: sim.RunInfo{Length: sim.Duration(24 * time.Hour), Bucket: sim.Duration(time.Second), Instances: 4}}
	for b := range 8 {
		name := "backend-" + strconv.Itoa(b)
		res.Backends = append(res.Backends, sim.BackendInfo{Name: name, Kind: "Single", Breaker: "1 failure in 10s, trip 15s"})
		for i := range 4 {
			for s := 0; s < 24*3600; s += 120 {
				at := time.Duration(s) * time.Second
				res.Transitions = append(res.Transitions,
					sim.Transition{At: sim.Duration(at), Instance: i, Backend: name, From: sim.StateClosed, To: sim.StateOpen, Reason: "failure threshold"},
					sim.Transition{At: sim.Duration(at + 15*time.Second), Instance: i, Backend: name, From: sim.StateOpen, To: sim.StateClosed, Reason: "trial succeeded"})
			}
		}
	}
	var buf bytes.Buffer
	if err := (&RunHTML{}).Print(&buf, res); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if buf.Len() >= 2<<20 {
		t.Errorf("page is %d bytes, want < 2 MiB", buf.Len())
	}
	if got := strings.Count(page, `<g class="row breaker"`); got != 32 {
		t.Errorf("timeline rows = %d, want 8 × 4", got)
	}
	if bands := strings.Count(page, `class="band `); bands > maxTimelineBands {
		t.Errorf("%d band rectangles, want at most %d", bands, maxTimelineBands)
	}
	if !strings.Contains(page, `id="transitions-cut"`) {
		t.Error("the page does not say the transition list is cut")
	}
	t.Logf("%d bytes", buf.Len())
}
