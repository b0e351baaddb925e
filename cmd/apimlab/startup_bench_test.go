package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/gateway"
	"github.com/apimlab/apimlab/internal/gen"
)

// startupChildEnv makes the test binary a child of BenchmarkGatewayStartup:
// it runs `apimlab gateway` on the file in sweepFileEnv until SIGTERM.
const startupChildEnv = "APIMLAB_STARTUP_CHILD"

// TestStartupChild is the child process of BenchmarkGatewayStartup
// (skipped otherwise): the CLI's gateway command, as main runs it, on an
// ephemeral port without admin endpoints.
func TestStartupChild(t *testing.T) {
	file := os.Getenv(sweepFileEnv)
	if os.Getenv(startupChildEnv) == "" || file == "" {
		t.Skip("child of BenchmarkGatewayStartup")
	}
	args := []string{"gateway", file, "--listen", "127.0.0.1:0", "--admin", ""}
	tuneGC(args)
	if code := run(args, os.Stdout, os.Stderr); code != 0 {
		t.Fatalf("gateway exited %d", code)
	}
}

// envRounds returns the positive integer in the environment variable
// name, def when it is unset; anything else fails the benchmark.
func envRounds(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return n
}

// startupLine is what the gateway command prints once it listens.
const startupLine = "apimlab gateway listening on http://"

// startChild starts the gateway on file in a fresh process and returns the
// time from starting the process to the gateway's listening line, after
// checking that the address it names accepts a connection. The process is
// stopped with SIGTERM before returning.
func startChild(b *testing.B, file string) time.Duration {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartupChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), startupChildEnv+"=1", sweepFileEnv+"="+file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, startupLine) {
			continue
		}
		took := time.Since(start)
		addr, _, _ := strings.Cut(strings.TrimPrefix(line, startupLine), " ")
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatalf("%s: the gateway said it listens on %s: %v", file, addr, err)
		}
		_ = c.Close()
		return took
	}
	b.Fatalf("%s: the gateway never listened: %s", file, stderr.String())
	return 0
}

// BenchmarkGatewayStartup is issue 16's startup figure: the wall time from
// starting `apimlab gateway` (a fresh process: exec, package
// initialisation, load, lint-free model checks, gateway.New, listen) to
// its "listening" line, on the demo configuration (fixtures/demo/apim.json)
// and on a generated ARM template with 10,000 backends and 1,000 API
// policies (gen.ARM, as BenchmarkLintSweep). Medians of
// APIMLAB_STARTUP_ROUNDS runs (default 5), the two sizes alternating. The
// child is this test binary running the CLI's gateway command, which
// initialises the same packages as the apimlab binary. Run it once:
//
//	go test -run '^$' -bench GatewayStartup -benchtime 1x ./cmd/apimlab
func BenchmarkGatewayStartup(b *testing.B) {
	rounds := envRounds(b, "APIMLAB_STARTUP_ROUNDS", 5)
	big := filepath.Join(b.TempDir(), "arm-10000.json")
	data := gen.ARM(10000, 1000)
	if err := os.WriteFile(big, data, 0o644); err != nil {
		b.Fatal(err)
	}
	demo, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "demo", "apim.json"))
	if err != nil {
		b.Fatal(err)
	}
	configs := []struct {
		name, file, target string
		runs               []time.Duration
	}{
		{name: "demo (fixtures/demo/apim.json)", file: demo, target: "100 ms"},
		{name: fmt.Sprintf("10,000 backends, 1,000 APIs (%.1f MB)", float64(len(data))/1e6), file: big, target: "2 s"},
	}
	for range b.N {
		for range rounds {
			for i := range configs {
				configs[i].runs = append(configs[i].runs, startChild(b, configs[i].file))
			}
		}
	}
	var load [3]float64
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(l), &load[0], &load[1], &load[2])
	}
	fmt.Printf("\ngateway startup (process start to listening): medians of %d runs, load average %.1f %.1f %.1f\n", rounds, load[0], load[1], load[2])
	fmt.Printf("| configuration | median | min | max | target |\n|---|---|---|---|---|\n")
	for i, c := range configs {
		m := median(c.runs)
		fmt.Printf("| %s | %d ms | %d ms | %d ms | %s |\n", c.name, m.Milliseconds(), slices.Min(c.runs).Milliseconds(), slices.Max(c.runs).Milliseconds(), c.target)
		b.ReportMetric(float64(m)/float64(time.Millisecond), []string{"ms-demo", "ms-10k"}[i])
	}
	fmt.Println()
}

// BenchmarkGatewayNew is the in-process part of BenchmarkGatewayStartup at
// 10,000 backends: load.Load, load.Malformed and gateway.New on the same
// generated template, one op each, so that a CPU profile (-cpuprofile)
// shows what the start spends:
//
//	go test -run '^$' -bench GatewayNew -benchtime 3x -cpuprofile cpu.out ./cmd/apimlab
func BenchmarkGatewayNew(b *testing.B) {
	file := filepath.Join(b.TempDir(), "arm-10000.json")
	if err := os.WriteFile(file, gen.ARM(10000, 1000), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		svc, err := load.Load([]string{file}, load.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := load.Malformed(svc); err != nil {
			b.Fatal(err)
		}
		g, err := gateway.New(svc, gateway.Options{})
		if err != nil {
			b.Fatal(err)
		}
		g.Close()
	}
}
