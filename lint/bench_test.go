package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/internal/gen"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
)

// BenchmarkLint loads and lints generated ARM templates of 1,000 and
// 10,000 backends with 1,000 API policies using the whole catalogue. The
// issue's budget: 10,000 backends under 500 ms on two cores, under 200 MB
// peak, growing linearly. Run with `make bench` or
// `go test -run '^$' -bench Lint -benchmem ./lint/`.
func BenchmarkLint(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		dir := b.TempDir()
		file := filepath.Join(dir, "template.json")
		if err := os.WriteFile(file, gen.ARM(n, 1000), 0o644); err != nil {
			b.Fatal(err)
		}
		now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
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
