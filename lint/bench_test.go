package lint_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/internal/gen"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
)

// BenchmarkLint loads and lints generated ARM templates of 1,000, 10,000
// and 40,000 backends with N/10 API policies using the whole catalogue,
// beside issue 16's floor (gen.Floor: encoding/json + etree, three rules,
// no positions) on the same bytes in the same run: compare load+lint with
// floor. Run with `make bench` or
// `go test -run '^$' -bench Lint -benchmem ./lint/`; the process-level
// sweep with peak RSS is BenchmarkLintSweep in ./cmd/apimlab.
func BenchmarkLint(b *testing.B) {
	for _, n := range []int{1000, 10000, 40000} {
		dir := b.TempDir()
		file := filepath.Join(dir, "template.json")
		data := gen.ARM(n, n/10)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			b.Fatal(err)
		}
		now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		b.Run(fmt.Sprintf("backends=%d/floor", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := gen.Floor(data, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("backends=%d/load+lint", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				svc, err := load.Load([]string{file}, load.Options{})
				if err != nil {
					b.Fatal(err)
				}
				res := lint.Run(svc, rules.All, nil, lint.RunOptions{Now: now})
				for _, f := range res.Findings {
					if f.Rule == lint.InternalError.ID {
						b.Fatalf("%s: %s", f.Pos, f.Message)
					}
				}
			}
		})
		svc, err := load.Load([]string{file}, load.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if got := len(svc.Backends); got != n {
			b.Fatalf("loaded %d backends, want %d", got, n)
		}
		b.Run(fmt.Sprintf("backends=%d/lint", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				lint.Run(svc, rules.All, nil, lint.RunOptions{Now: now})
			}
		})
	}
}
