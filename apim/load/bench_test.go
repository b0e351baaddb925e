package load

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/internal/gen"
)

// BenchmarkLoad measures loading generated ARM templates. The baseline is
// encoding/json decoding the same bytes into map[string]any (no positions,
// no ARM resolution, no model), measured in the same run.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		file := filepath.Join(b.TempDir(), "template.json")
		data := gen.ARM(n, 1000)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("backends=%d/baseline-encoding-json", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("backends=%d/jsontree", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jsontree.Parse(file, data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("backends=%d/load", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				svc, err := Load([]string{file}, Options{})
				if err != nil || len(svc.Backends) != n {
					b.Fatalf("Load: %v (%d backends)", err, len(svc.Backends))
				}
			}
		})
	}
}
