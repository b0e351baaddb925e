// Command soak runs the apimlab gateway under overload and checks that it
// degrades honestly (issue 15): loopback fakes (a 30 % failing member and
// a 50 ms slow member of one pool), the gateway as a child process with its
// default limits, vegeta at a multiple of the measured saturation for a
// configurable duration (from at most -client-conns connections, one
// request in flight each; the achieved rate is reported), RSS / goroutines / open files sampled every 5 s,
// and a JSON + Markdown summary. `make soak` runs it; `make test` does
// not.
//
// Criteria: every request accounted for (answered with an HTTP status),
// no breaker of the healthy (slow) member opened, and 30 s after the load
// the gateway's goroutines within baseline + 10 and its RSS within 2× the
// baseline.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/gateway"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type config struct {
	bin         string
	duration    time.Duration
	factor      float64
	saturation  time.Duration
	rate        int
	settle      time.Duration
	out         string
	extraArgs   string
	clientConns int
}

// Sample is one measurement of the gateway process.
type Sample struct {
	At         float64 `json:"at"` // seconds since the start of the load
	Phase      string  `json:"phase"`
	RSSMiB     float64 `json:"rssMiB"`
	Goroutines int     `json:"goroutines"`
	OpenFiles  int     `json:"openFiles"`
	HeapMiB    float64 `json:"heapInuseMiB"`
	StackMiB   float64 `json:"stackInuseMiB"`
}

// Summary is the soak's result.
type Summary struct {
	Started        time.Time      `json:"started"`
	CPUs           int            `json:"cpus"`
	Load1          string         `json:"loadAverageAtStart"`
	SaturationRPS  float64        `json:"saturationRps"`
	Rate           int            `json:"rate"`
	AchievedRPS    float64        `json:"achievedRps"`
	ClientConns    int            `json:"clientConns"`
	Duration       string         `json:"duration"`
	Requests       uint64         `json:"requests"`
	Statuses       map[string]int `json:"statuses"` // "0" = no HTTP answer
	Reasons        map[string]int `json:"reasons"`
	P50ms, P99ms   float64        `json:"-"`
	Latency        map[string]float64
	Baseline       Sample   `json:"baseline"`
	Peak           Sample   `json:"peak"`
	After          Sample   `json:"after"`
	SlowOpens      float64  `json:"slowBreakerOpens"`
	FlakyOpens     float64  `json:"flakyBreakerOpens"`
	Overload       float64  `json:"overloadRejected"`
	Samples        []Sample `json:"samples"`
	Criteria       []Check  `json:"criteria"`
	Passed         bool     `json:"passed"`
	GatewayVersion string   `json:"gatewayArgs"`
}

// Check is one criterion.
type Check struct {
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
	Passed   bool   `json:"passed"`
}

func run() error {
	var c config
	flag.StringVar(&c.bin, "bin", "bin/apimlab", "apimlab binary to run as the gateway")
	flag.DurationVar(&c.duration, "duration", 3*time.Minute, "load duration")
	flag.Float64Var(&c.factor, "factor", 2, "load as a multiple of the measured saturation")
	flag.DurationVar(&c.saturation, "saturation-duration", 10*time.Second, "length of the saturation measurement")
	flag.IntVar(&c.rate, "rate", 0, "load in requests per second (0: factor × measured saturation)")
	flag.DurationVar(&c.settle, "settle", 30*time.Second, "wait after the load before the recovery sample")
	flag.StringVar(&c.out, "out", "soak-out", "folder for soak.json and soak.md")
	flag.StringVar(&c.extraArgs, "gateway-args", "", "extra arguments for apimlab gateway (space-separated)")
	flag.IntVar(&c.clientConns, "client-conns", gateway.DefaultMaxConns, "most connections, and requests in flight, of vegeta: a client population of that many connections with one request each at a time (default: the gateway's connection limit)")
	flag.Parse()
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	sum := &Summary{Started: time.Now().UTC(), CPUs: numCPU(), Load1: loadAvg(), Statuses: map[string]int{}, Reasons: map[string]int{}}

	// Fakes.
	flaky, err := startFake(func(w http.ResponseWriter, r *http.Request, rnd *rand.Rand) {
		if rnd.Float64() < 0.3 {
			w.WriteHeader(500)
			return
		}
		_, _ = io.WriteString(w, "flaky ok")
	})
	if err != nil {
		return err
	}
	slow, err := startFake(func(w http.ResponseWriter, r *http.Request, _ *rand.Rand) {
		time.Sleep(50 * time.Millisecond)
		_, _ = io.WriteString(w, "slow ok")
	})
	if err != nil {
		return err
	}
	cfg := filepath.Join(c.out, "service.json")
	if err := os.WriteFile(cfg, []byte(serviceJSON(flaky, slow)), 0o644); err != nil {
		return err
	}
	listen, admin := freeAddr(), freeAddr()
	args := []string{"gateway", cfg, "--listen", listen, "--admin", admin}
	if c.extraArgs != "" {
		args = append(args, strings.Fields(c.extraArgs)...)
	}
	sum.GatewayVersion = strings.Join(args[2:], " ")
	cmd := exec.Command(c.bin, args...)
	logf, err := os.Create(filepath.Join(c.out, "gateway.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	if err := waitUp("http://" + admin + "/health"); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	sample := func(phase string, at float64) Sample {
		return Sample{At: at, Phase: phase, RSSMiB: rssMiB(pid), OpenFiles: openFiles(pid), Goroutines: int(metric(admin, "go_goroutines", "")),
			HeapMiB: metric(admin, "go_memstats_heap_inuse_bytes", "") / (1 << 20), StackMiB: metric(admin, "go_memstats_stack_inuse_bytes", "") / (1 << 20)}
	}
	sum.Baseline = sample("baseline", 0)
	target := vegeta.Target{Method: http.MethodGet, URL: "http://" + listen + "/things/a"}
	tr := &http.Transport{MaxIdleConnsPerHost: c.clientConns, MaxConnsPerHost: c.clientConns, DialContext: (&net.Dialer{Timeout: 30 * time.Second}).DialContext}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// Saturation: as fast as 256 workers go.
	sat := vegeta.NewAttacker(vegeta.Client(client), vegeta.Workers(256), vegeta.MaxWorkers(256))
	var ok, all int
	for res := range sat.Attack(vegeta.NewStaticTargeter(target), vegeta.Rate{Freq: 0}, c.saturation, "saturation") {
		all++
		if res.Code != 0 && res.Code != 503 {
			ok++
		}
	}
	sum.SaturationRPS = float64(ok) / c.saturation.Seconds()
	sum.Rate = c.rate
	if sum.Rate == 0 {
		sum.Rate = int(c.factor * sum.SaturationRPS)
	}
	fmt.Printf("saturation %.0f rps (%d answered of %d); load %d rps for %s\n", sum.SaturationRPS, ok, all, sum.Rate, c.duration)
	tr.CloseIdleConnections()
	transBefore := metric(admin, "apimlab_gateway_breaker_transitions_total", `backend="slow",from="closed",to="open"`)
	flakyBefore := metric(admin, "apimlab_gateway_breaker_transitions_total", `backend="flaky",from="closed",to="open"`)
	overBefore := metric(admin, "apimlab_gateway_overload_total", `limit="requests"`)

	// Load, with a sampler.
	start := time.Now()
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s := sample("load", time.Since(start).Seconds())
				mu.Lock()
				sum.Samples = append(sum.Samples, s)
				mu.Unlock()
			}
		}
	}()
	// At most clientConns requests in flight: beyond the client
	// population, an open-loop attacker only queues requests inside
	// itself (waiting for a connection counts against the client's 30 s
	// timeout), which measures vegeta's queue rather than the gateway.
	// The achieved rate is reported next to the requested one.
	att := vegeta.NewAttacker(vegeta.Client(client), vegeta.Workers(64), vegeta.MaxWorkers(uint64(c.clientConns)))
	var m vegeta.Metrics
	for res := range att.Attack(vegeta.NewStaticTargeter(target), vegeta.Rate{Freq: sum.Rate, Per: time.Second}, c.duration, "load") {
		m.Add(res)
		sum.Requests++
		sum.Statuses[strconv.Itoa(int(res.Code))]++
		if r := res.Headers.Get("X-Apimlab-Reason"); r != "" {
			sum.Reasons[r]++
		} else if res.Code == 0 {
			sum.Reasons["(no answer: "+shortErr(res.Error)+")"]++
		}
	}
	m.Close()
	sum.Duration = c.duration.String()
	sum.ClientConns = c.clientConns
	sum.AchievedRPS = float64(sum.Requests) / c.duration.Seconds()
	sum.Latency = map[string]float64{"p50ms": ms(m.Latencies.P50), "p90ms": ms(m.Latencies.P90), "p99ms": ms(m.Latencies.P99), "maxms": ms(m.Latencies.Max)}
	tr.CloseIdleConnections()
	close(stop)
	wg.Wait()
	end := time.Now()
	// Recovery samples every 5 s for the settle time.
	for time.Since(end) < c.settle {
		time.Sleep(5 * time.Second)
		s := sample("after", time.Since(start).Seconds())
		mu.Lock()
		sum.Samples = append(sum.Samples, s)
		mu.Unlock()
	}
	sum.After = sum.Samples[len(sum.Samples)-1]
	for _, s := range sum.Samples {
		if s.RSSMiB > sum.Peak.RSSMiB {
			sum.Peak.RSSMiB, sum.Peak.At = s.RSSMiB, s.At
		}
		sum.Peak.Goroutines = max(sum.Peak.Goroutines, s.Goroutines)
		sum.Peak.OpenFiles = max(sum.Peak.OpenFiles, s.OpenFiles)
		sum.Peak.HeapMiB = max(sum.Peak.HeapMiB, s.HeapMiB)
		sum.Peak.StackMiB = max(sum.Peak.StackMiB, s.StackMiB)
	}
	sum.Peak.Phase = "peak"
	sum.SlowOpens = metric(admin, "apimlab_gateway_breaker_transitions_total", `backend="slow",from="closed",to="open"`) - transBefore
	sum.SlowOpens += metric(admin, "apimlab_gateway_breaker_transitions_total", `backend="slow",from="half-open",to="open"`)
	sum.FlakyOpens = metric(admin, "apimlab_gateway_breaker_transitions_total", `backend="flaky",from="closed",to="open"`) - flakyBefore
	sum.Overload = metric(admin, "apimlab_gateway_overload_total", `limit="requests"`) - overBefore

	unanswered := sum.Statuses["0"]
	sum.Criteria = []Check{
		{"every request answered with an HTTP status", "0 without a status", fmt.Sprintf("%d of %d without a status", unanswered, sum.Requests), unanswered == 0},
		{"no breaker of the healthy member opened", "slow: 0 openings", fmt.Sprintf("slow: %.0f openings (flaky: %.0f)", sum.SlowOpens, sum.FlakyOpens), sum.SlowOpens == 0},
		{"goroutines back to baseline + 10", fmt.Sprintf("<= %d", sum.Baseline.Goroutines+10), strconv.Itoa(sum.After.Goroutines), sum.After.Goroutines <= sum.Baseline.Goroutines+10},
		{"RSS within 2x baseline", fmt.Sprintf("<= %.1f MiB", 2*sum.Baseline.RSSMiB), fmt.Sprintf("%.1f MiB", sum.After.RSSMiB), sum.After.RSSMiB <= 2*sum.Baseline.RSSMiB},
	}
	sum.Passed = true
	for _, ch := range sum.Criteria {
		sum.Passed = sum.Passed && ch.Passed
	}
	if err := writeOut(c.out, sum); err != nil {
		return err
	}
	md, _ := os.ReadFile(filepath.Join(c.out, "soak.md"))
	fmt.Print(string(md))
	if !sum.Passed {
		return errors.New("criteria not met (see " + filepath.Join(c.out, "soak.md") + ")")
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func shortErr(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// startFake serves h on a loopback port with its own seeded generator.
func startFake(h func(http.ResponseWriter, *http.Request, *rand.Rand)) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(15, 15))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		local := rand.New(rand.NewPCG(rnd.Uint64(), 0))
		mu.Unlock()
		h(w, r, local)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(url string) error {
	for range 100 {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the gateway did not start (%s)", url)
}

// metric reads one sample from the gateway's /metrics (0 when absent).
func metric(admin, name, labels string) float64 {
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if labels == "" && !strings.HasPrefix(rest, " ") {
			continue
		}
		if labels != "" && !strings.Contains(rest, labels) {
			continue
		}
		f := strings.Fields(rest)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		return v
	}
	return 0
}

func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

func openFiles(pid int) int {
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(es)
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(strings.Count(string(b), "processor\t:"), 1)
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

func writeOut(dir string, s *Summary) error {
	j, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "soak.json"), j, 0o644); err != nil {
		return err
	}
	var b strings.Builder
	verdict := "PASSED"
	if !s.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "# apimlab soak: %s\n\n", verdict)
	fmt.Fprintf(&b, "%s, %d CPUs, load average at start %s. Gateway: `apimlab gateway %s`.\n\n", s.Started.Format(time.RFC3339), s.CPUs, s.Load1, s.GatewayVersion)
	fmt.Fprintf(&b, "Saturation %.0f rps (answered, non-503); load %d rps requested for %s by at most %d client connections, one request each in flight: %d requests, %.0f rps achieved.\n\n", s.SaturationRPS, s.Rate, s.Duration, s.ClientConns, s.Requests, s.AchievedRPS)
	fmt.Fprintf(&b, "| criterion | expected | observed | |\n|---|---|---|---|\n")
	for _, c := range s.Criteria {
		mark := "pass"
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Name, c.Expected, c.Observed, mark)
	}
	fmt.Fprintf(&b, "\n| status | requests |\n|---|---|\n")
	for _, k := range sortedKeys(s.Statuses) {
		fmt.Fprintf(&b, "| %s | %d |\n", k, s.Statuses[k])
	}
	fmt.Fprintf(&b, "\n| gateway reason | requests |\n|---|---|\n")
	for _, k := range sortedKeys(s.Reasons) {
		fmt.Fprintf(&b, "| %s | %d |\n", k, s.Reasons[k])
	}
	fmt.Fprintf(&b, "\nLatency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms. Overload rejections %.0f. Breaker openings: flaky %.0f, slow %.0f.\n\n",
		s.Latency["p50ms"], s.Latency["p90ms"], s.Latency["p99ms"], s.Latency["maxms"], s.Overload, s.FlakyOpens, s.SlowOpens)
	fmt.Fprintf(&b, "| | RSS MiB | heap in use MiB | stacks MiB | goroutines | open files |\n|---|---|---|---|---|---|\n")
	for _, x := range []Sample{s.Baseline, s.Peak, s.After} {
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.1f | %d | %d |\n", x.Phase, x.RSSMiB, x.HeapMiB, x.StackMiB, x.Goroutines, x.OpenFiles)
	}
	return os.WriteFile(filepath.Join(dir, "soak.md"), []byte(b.String()), 0o644)
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// serviceJSON is the configuration under test: one API whose requests go
// to pool "pair" (flaky and slow, same priority and weight), each member
// with a breaker tripping on 10 failures (5xx or transport errors) in 10 s.
func serviceJSON(flaky, slow string) string {
	const prefix = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/soak"
	breaker := `"circuitBreaker": { "rules": [ { "name": "b", "failureCondition": { "count": 10, "interval": "PT10S", "statusCodeRanges": [ { "min": 500, "max": 599 } ] }, "tripDuration": "PT5S" } ] }`
	be := func(name, url string) string {
		return fmt.Sprintf(`{"id": "%s/backends/%s", "type": "Microsoft.ApiManagement/service/backends", "name": "%s", "properties": {"url": "%s", "protocol": "http", %s}}`, prefix, name, name, url, breaker)
	}
	return `{"value": [` + be("flaky", flaky) + `,` + be("slow", slow) + `,
{"id": "` + prefix + `/backends/pair", "type": "Microsoft.ApiManagement/service/backends", "name": "pair", "properties": {"type": "Pool", "pool": {"services": [
  {"id": "` + prefix + `/backends/flaky", "priority": 1}, {"id": "` + prefix + `/backends/slow", "priority": 1}]}}},
{"id": "` + prefix + `/apis/things", "type": "Microsoft.ApiManagement/service/apis", "name": "things", "properties": {"displayName": "Things", "path": "things", "protocols": ["http"]}},
{"id": "` + prefix + `/apis/things/policies/policy", "type": "Microsoft.ApiManagement/service/apis/policies", "name": "policy", "properties": {"format": "rawxml",
  "value": "<policies><inbound><base /><set-backend-service backend-id=\"pair\" /></inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>"}}
]}`
}
