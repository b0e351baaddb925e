package load

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apimlab/apimlab/apim/summary"
	"github.com/apimlab/apimlab/internal/gen"
)

// TestParallelBuildMatchesSequential loads a template large enough for the
// parallel backend build and checks that the model (backends in template
// order, every field, every issue, every position) equals a one-by-one
// build's.
func TestParallelBuildMatchesSequential(t *testing.T) {
	file := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(file, gen.ARM(2000, 10), 0o644); err != nil {
		t.Fatal(err)
	}
	view := func(opts Options) string {
		svc, err := Load([]string{file}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(svc.Backends) != 2000 {
			t.Fatalf("%d backends, want 2000", len(svc.Backends))
		}
		out, err := json.Marshal(summary.Of(svc, summary.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		names := ""
		for _, b := range svc.Backends {
			names += b.Name + " "
		}
		return names + string(out)
	}
	if par, seq := view(Options{}), view(Options{sequential: true}); par != seq {
		t.Error("the parallel build differs from the sequential one")
	}
}
