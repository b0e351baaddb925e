package reports

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/apimlab/apimlab/sim"
)

// The browser test renders the HTML run report in a real headless
// Chromium (Debian's `chromium`, installed by `make chromium`). Without a
// browser it skips itself loudly; APIMLAB_REQUIRE_BROWSER=1 turns the skip
// into a failure (for a CI that installed one).

var screenshot = flag.String("screenshot", "", "write a PNG of the golden HTML report here (make docs/report.png)")

// chromiumPath returns the browser to drive: $APIMLAB_CHROMIUM, else the
// first of Debian's and other common names on PATH.
func chromiumPath() string {
	if p := os.Getenv("APIMLAB_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		msg := "\n########################################################################\n" +
			"## chromium not found: the browser test of the HTML report is SKIPPED ##\n" +
			"## install it with `make chromium` (Debian package chromium)           ##\n" +
			"########################################################################"
		if os.Getenv("APIMLAB_REQUIRE_BROWSER") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1100, 1500),
		chromedp.Flag("disable-dev-shm-usage", true))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	// Start the browser on this context: the first chromedp call ties the
	// browser's life to the context it is given.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// pageFacts is what the page shows, read in the browser.
type pageFacts struct {
	Rows []struct {
		Backend  string  `json:"backend"`
		Instance int     `json:"instance"`
		Bands    int     `json:"bands"`
		Width    float64 `json:"width"`
	} `json:"rows"`
	Faults int `json:"faults"`
	Phases int `json:"phases"`
	Areas  []struct {
		Backend string  `json:"backend"`
		Width   float64 `json:"width"`
		Height  float64 `json:"height"`
	} `json:"areas"`
	Clients     int     `json:"clients"`
	Lines       int     `json:"lines"`
	Transitions int     `json:"transitions"`
	Assertions  int     `json:"assertions"`
	Failed      int     `json:"failed"`
	Deviates    int     `json:"deviates"`
	LoadMS      float64 `json:"loadMs"`
	Background  string  `json:"background"`
}

const factsJS = `(() => {
  const box = e => e.getBoundingClientRect();
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    rows: [...document.querySelectorAll('svg.timeline g.row.breaker')].map(g => ({
      backend: g.dataset.backend, instance: +g.dataset.instance,
      bands: g.querySelectorAll('rect.band').length, width: box(g).width})),
    faults: document.querySelectorAll('svg.timeline rect.fault').length,
    phases: document.querySelectorAll('svg.timeline rect.phase').length,
    areas: [...document.querySelectorAll('#traffic path.area')].map(p => ({
      backend: p.dataset.backend, width: box(p).width, height: box(p).height})),
    clients: document.querySelectorAll('#clients path.area').length,
    lines: [...document.querySelectorAll('#latency path.line')].filter(p => box(p).width > 0).length,
    transitions: document.querySelectorAll('#transitions tbody tr').length,
    assertions: document.querySelectorAll('#assertions tbody tr').length,
    failed: document.querySelectorAll('#assertions tbody tr.fail').length,
    deviates: document.querySelectorAll('#distribution td.deviates').length,
    loadMs: nav ? nav.loadEventEnd - nav.startTime : -1,
    background: getComputedStyle(document.body).backgroundColor,
  };
})()`

// openPage writes page to a file, opens it and returns what it shows, the
// console messages it caused and the wall time from navigation to laid-out
// page.
func openPage(t *testing.T, ctx context.Context, page []byte, dark bool) (pageFacts, []chromedp.ConsoleMessage, time.Duration) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	cctx, stop := context.WithCancel(ctx)
	var (
		mu   sync.Mutex
		msgs []chromedp.ConsoleMessage
		wg   sync.WaitGroup
	)
	console := chromedp.Console(cctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			msgs = append(msgs, m)
			mu.Unlock()
		}
	}()
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	// Reading element boxes forces layout, so the time includes it.
	facts, err := chromedp.Run(ctx, chromedp.Evaluate[pageFacts](factsJS))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	stop()
	wg.Wait()
	return facts, msgs, took
}

func TestHTMLInBrowser(t *testing.T) {
	ctx := browser(t)
	res := goldenRun(t)
	var page bytes.Buffer
	if err := (&RunHTML{Version: "test"}).Print(&page, res); err != nil {
		t.Fatal(err)
	}
	facts, msgs, _ := openPage(t, ctx, page.Bytes(), false)
	for _, m := range msgs {
		t.Errorf("console: %s", m)
	}
	// Two backends × two instances, each row drawn across the plot.
	want := map[string]bool{"orders-east/0": true, "orders-east/1": true, "orders-west/0": true, "orders-west/1": true}
	for _, r := range facts.Rows {
		key := r.Backend + "/" + strconv.Itoa(r.Instance)
		if !want[key] {
			t.Errorf("unexpected timeline row %s", key)
		}
		delete(want, key)
		if r.Bands == 0 || r.Width < 500 {
			t.Errorf("row %s: %d bands, %.0f px wide", key, r.Bands, r.Width)
		}
	}
	for k := range want {
		t.Errorf("no timeline row for %s", k)
	}
	// East on each instance: closed, open, (half-open instants merge
	// away), closed → closed/open/closed bands; its fault on both rows.
	for _, r := range facts.Rows {
		if r.Backend == east && r.Bands != 3 {
			t.Errorf("east #%d has %d bands, want 3 (closed, open, closed)", r.Instance, r.Bands)
		}
	}
	if facts.Faults != 2 || facts.Phases != 3 {
		t.Errorf("faults %d, phases %d; want 2 (east on two instances) and 3", facts.Faults, facts.Phases)
	}
	if len(facts.Areas) != 2 {
		t.Errorf("traffic areas %d, want 2", len(facts.Areas))
	}
	for _, a := range facts.Areas {
		if a.Width < 500 || a.Height <= 0 {
			t.Errorf("traffic area of %s is %.0f×%.0f px", a.Backend, a.Width, a.Height)
		}
	}
	if facts.Clients != len(sim.ClassNames) || facts.Lines != 2 {
		t.Errorf("client layers %d, latency lines %d; want %d and 2", facts.Clients, facts.Lines, len(sim.ClassNames))
	}
	if facts.Transitions != len(res.Transitions) || facts.Assertions != 6 || facts.Failed != 2 || facts.Deviates == 0 {
		t.Errorf("transition rows %d (want %d), assertions %d/%d failed (want 6/2), deviating cells %d (want some)",
			facts.Transitions, len(res.Transitions), facts.Assertions, facts.Failed, facts.Deviates)
	}
	light := facts.Background

	dark, msgs, _ := openPage(t, ctx, page.Bytes(), true)
	for _, m := range msgs {
		t.Errorf("console (dark): %s", m)
	}
	if dark.Background == light {
		t.Errorf("dark and light backgrounds are both %s", light)
	}

	if *screenshot != "" {
		openPage(t, ctx, page.Bytes(), false)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", *screenshot)
	}
}

// TestBrowserSeesConsoleErrors checks the harness: a page that breaks
// its own Content-Security-Policy and throws must produce messages, or
// "no console errors" above proves nothing.
func TestBrowserSeesConsoleErrors(t *testing.T) {
	ctx := browser(t)
	page := []byte(`<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'">` +
		`</head><body><img src="http://192.0.2.1/x.png"><script>console.error("boom"); undefinedFunction();</script></body></html>`)
	_, msgs, _ := openPage(t, ctx, page, false)
	if len(msgs) < 2 {
		t.Errorf("console messages %v; want the CSP violation, console.error and the exception", msgs)
	}
}

// TestHTMLDayInBrowser renders the 24-hour report and checks it loads in
// under 2 s without console errors.
func TestHTMLDayInBrowser(t *testing.T) {
	ctx := browser(t)
	var page bytes.Buffer
	if err := (&RunHTML{}).Print(&page, dayRun(t)); err != nil {
		t.Fatal(err)
	}
	facts, msgs, took := openPage(t, ctx, page.Bytes(), false)
	for _, m := range msgs {
		t.Errorf("console: %s", m)
	}
	t.Logf("24 h report: %d bytes, loaded and laid out in %s (load event at %.0f ms)", page.Len(), took, facts.LoadMS)
	if took > 2*time.Second {
		t.Errorf("24 h report took %s to load, want < 2s", took)
	}
	if len(facts.Rows) != 6 || len(facts.Areas) != 3 {
		t.Errorf("rows %d, areas %d; want 6 and 3", len(facts.Rows), len(facts.Areas))
	}
}
