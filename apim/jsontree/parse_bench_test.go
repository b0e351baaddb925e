package jsontree

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apimlab/apimlab/internal/cputime"
	"github.com/apimlab/apimlab/internal/gen"
)

// BenchmarkParseReader parses generated templates of 10,000 and 40,000
// backends from a file, on one goroutine ("sequential") and with the
// workers that build the top arrays on every core ("parallel"), and
// reports the CPU time (user+sys) per parse beside the wall time: the
// parallel parse trades some CPU for wall time (issue 16).
//
//	go test -run '^$' -bench ParseReader -benchtime 5x ./apim/jsontree
func BenchmarkParseReader(b *testing.B) {
	for _, n := range []int{10000, 40000} {
		file := filepath.Join(b.TempDir(), "t.json")
		if err := os.WriteFile(file, gen.ARM(n, n/10), 0o644); err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"sequential", "parallel"} {
			b.Run(fmt.Sprintf("backends=%d/%s", n, mode), func(b *testing.B) {
				start := cputime.Process()
				for b.Loop() {
					f, err := os.Open(file)
					if err != nil {
						b.Fatal(err)
					}
					var pool *workers
					if mode == "parallel" {
						if pool = parallelFor(f); pool == nil {
							b.Skip("one core")
						}
					}
					if _, err := parseReader(file, f, pool); err != nil {
						b.Fatal(err)
					}
					f.Close()
				}
				b.ReportMetric(float64(cputime.Process()-start)/float64(b.N)/1e6, "cpu-ms/op")
			})
		}
	}
}
