//go:build linux

// The sweep reads the child processes' peak RSS and page faults from
// getrusage, whose fields and units are Linux's.

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apimlab/apimlab/internal/gen"
)

// TestSweepChild is the child process of BenchmarkLintSweep (skipped
// otherwise). The lint child sets the collector as main does and runs the
// CLI's lint --format json -o /dev/null; the floor child runs gen.Floor.
func TestSweepChild(t *testing.T) {
	mode, file := os.Getenv(sweepChildEnv), os.Getenv(sweepFileEnv)
	if mode == "" {
		t.Skip("child of BenchmarkLintSweep")
	}
	switch mode {
	case "lint":
		tuneGC([]string{"lint"})
		if code := run([]string{"lint", "--format", "json", "-o", os.DevNull, "--fail-on", "never", file}, io.Discard, os.Stderr); code != 0 {
			t.Fatalf("lint exited %d", code)
		}
	case "floor":
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		if _, err := gen.Floor(data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// sweepRun is one child process's wall time, CPU time, peak RSS and
// minor page faults (first touches of fresh memory: on the project's VMs
// about 7 µs of system time each, a quarter of lint's CPU time).
type sweepRun struct {
	wall, cpu time.Duration
	rss       int64 // bytes
	faults    int64
}

func sweepChild(b *testing.B, mode, file string) sweepRun {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSweepChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), sweepChildEnv+"="+mode, sweepFileEnv+"="+file)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %s: %v", mode, file, err)
	}
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return sweepRun{
		wall:   wall,
		cpu:    cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		rss:    int64(ru.Maxrss) << 10, // kilobytes on Linux
		faults: int64(ru.Minflt),
	}
}

// BenchmarkLintSweep is issue 16's size sweep: the CLI's lint (whole
// catalogue, --format json -o /dev/null, the collector as main sets it) on
// generated ARM templates of 1,000, 10,000 and 40,000 backends with N/10
// API policies, against the 3-rule floor (gen.Floor: encoding/json +
// etree, no positions) on the same file. Each is a fresh process, so peak
// RSS is the process's; the two alternate for APIMLAB_SWEEP_ROUNDS rounds
// (default 3) and the table gives medians, the ratio to the floor and the
// growth from 10,000 to 40,000 backends. Run it once:
//
//	go test -run '^$' -bench LintSweep -benchtime 1x ./cmd/apimlab
func BenchmarkLintSweep(b *testing.B) {
	rounds := envRounds(b, "APIMLAB_SWEEP_ROUNDS", 3)
	sizes := []int{1000, 10000, 40000}
	dir := b.TempDir()
	type row struct {
		mb          float64
		lint, floor sweepRun
	}
	rows := make([]row, len(sizes))
	for range b.N {
		for i, n := range sizes {
			file := filepath.Join(dir, fmt.Sprintf("arm-%d.json", n))
			data := gen.ARM(n, n/10)
			if err := os.WriteFile(file, data, 0o644); err != nil {
				b.Fatal(err)
			}
			var lw, lc, fw, fc []time.Duration
			var lr, fr, lf, ff []int64
			for r := range rounds {
				order := []string{"floor", "lint"}
				if r%2 == 1 {
					order = []string{"lint", "floor"}
				}
				for _, mode := range order {
					s := sweepChild(b, mode, file)
					if mode == "lint" {
						lw, lc, lr, lf = append(lw, s.wall), append(lc, s.cpu), append(lr, s.rss), append(lf, s.faults)
					} else {
						fw, fc, fr, ff = append(fw, s.wall), append(fc, s.cpu), append(fr, s.rss), append(ff, s.faults)
					}
				}
			}
			rows[i] = row{
				mb:    float64(len(data)) / 1e6,
				lint:  sweepRun{median(lw), median(lc), median(lr), median(lf)},
				floor: sweepRun{median(fw), median(fc), median(fr), median(ff)},
			}
		}
	}
	ratio := func(a, b time.Duration) float64 { return float64(a) / float64(b) }
	var load [3]float64
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(l), &load[0], &load[1], &load[2])
	}
	fmt.Printf("\nlint sweep: medians of %d rounds, load average %.1f %.1f %.1f\n", rounds, load[0], load[1], load[2])
	fmt.Printf("| backends | file | lint wall | floor wall | ratio | lint CPU | floor CPU | ratio | lint RSS | floor RSS | ratio | lint page faults | floor page faults |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i, r := range rows {
		fmt.Printf("| %d | %.1f MB | %.2f s | %.2f s | %.2fx | %.2f s | %.2f s | %.2fx | %d MB | %d MB | %.2fx | %d | %d |\n",
			sizes[i], r.mb, r.lint.wall.Seconds(), r.floor.wall.Seconds(), ratio(r.lint.wall, r.floor.wall),
			r.lint.cpu.Seconds(), r.floor.cpu.Seconds(), ratio(r.lint.cpu, r.floor.cpu),
			r.lint.rss>>20, r.floor.rss>>20, float64(r.lint.rss)/float64(r.floor.rss), r.lint.faults, r.floor.faults)
		b.ReportMetric(ratio(r.lint.wall, r.floor.wall), fmt.Sprintf("wall-x-floor-%dk", sizes[i]/1000))
		b.ReportMetric(ratio(r.lint.cpu, r.floor.cpu), fmt.Sprintf("cpu-x-floor-%dk", sizes[i]/1000))
		b.ReportMetric(float64(r.lint.rss)/float64(r.floor.rss), fmt.Sprintf("rss-x-floor-%dk", sizes[i]/1000))
	}
	g, f := rows[2], rows[1]
	fmt.Printf("growth 10k→40k: lint wall %.2fx, CPU %.2fx; floor wall %.2fx, CPU %.2fx\n",
		ratio(g.lint.wall, f.lint.wall), ratio(g.lint.cpu, f.lint.cpu), ratio(g.floor.wall, f.floor.wall), ratio(g.floor.cpu, f.floor.cpu))
	fmt.Printf("issue 16 targets: time <= 1.25x the floor at 10k and 40k, growth 10k→40k <= 4.4x, RSS <= 2.5x the floor's\n\n")
	b.ReportMetric(ratio(g.lint.wall, f.lint.wall), "lint-growth-40k/10k")
	b.ReportMetric(ratio(g.lint.cpu, f.lint.cpu), "lint-cpu-growth-40k/10k")
}
