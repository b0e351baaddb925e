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

// TestResolvedHook checks that Options.Resolved is called once per ARM
// template and not for other inputs.
func TestResolvedHook(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for name, data := range map[string]string{
		"a.json": string(gen.ARM(20, 2)),
		"b.json": string(gen.ARM(5, 1)),
		"p.xml":  "<policies><inbound><base /></inbound></policies>",
	} {
		files = append(files, filepath.Join(dir, name))
		if err := os.WriteFile(files[len(files)-1], []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	if _, err := LoadServices(files, Options{Resolved: func() { calls++ }}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("Resolved called %d times, want 2 (two templates and a policy file)", calls)
	}
}
