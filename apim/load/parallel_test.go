package load

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/summary"
	"github.com/apimlab/apimlab/internal/gen"
)

// TestParallelBuildMatchesSequential loads a template large enough for the
// parallel backend build, and for a build in steps with a Building hook,
// and checks that the model (backends in template order, every field,
// every issue, every position) equals a one-by-one build's.
func TestParallelBuildMatchesSequential(t *testing.T) {
	file := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(file, gen.ARM(2100, 10), 0o644); err != nil {
		t.Fatal(err)
	}
	view := func(opts Options) string {
		svc, err := Load([]string{file}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(svc.Backends) != 2100 {
			t.Fatalf("%d backends, want 2100", len(svc.Backends))
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
	seq := view(Options{sequential: true})
	if par := view(Options{}); par != seq {
		t.Error("the parallel build differs from the sequential one")
	}
	// In steps, with a collection between them (the CLI's policy at its
	// most eager): resources are released as they are built, so a
	// collection frees them while the rest are being built.
	for _, sequential := range []bool{false, true} {
		calls := 0
		var args []string
		got := view(Options{sequential: sequential, Building: func(done, steps int) {
			calls++
			args = append(args, fmt.Sprintf("%d/%d", done, steps))
			runtime.GC()
		}})
		if got != seq {
			t.Errorf("sequential %v: the build in steps differs from the sequential one", sequential)
		}
		if calls != buildSteps-1 {
			t.Errorf("sequential %v: Building called %d times, want %d", sequential, calls, buildSteps-1)
		}
		// The steps done so far and the steps in all: 1/8 … 7/8.
		if want := "1/8 2/8 3/8 4/8 5/8 6/8 7/8"; strings.Join(args, " ") != want {
			t.Errorf("sequential %v: Building called with %q, want %q", sequential, strings.Join(args, " "), want)
		}
	}
}

// TestResolvedHook checks that Options.Resolved is called once per ARM
// template and not for other inputs, and Options.Building not for small
// templates.
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
	calls, steps := 0, 0
	if _, err := LoadServices(files, Options{Resolved: func() { calls++ }, Building: func(int, int) { steps++ }}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("Resolved called %d times, want 2 (two templates and a policy file)", calls)
	}
	if steps != 0 {
		t.Errorf("Building called %d times for templates of 20 and 5 backends, want 0", steps)
	}
}

// TestResolvedHookStepped: a template whose build runs in steps gets the
// Building hook between them and no Resolved call before the build (a
// collection there frees none of the parse tree); without a Building hook
// it gets the Resolved call.
func TestResolvedHookStepped(t *testing.T) {
	file := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(file, gen.ARM(256*buildSteps+10, 10), 0o644); err != nil {
		t.Fatal(err)
	}
	resolved, steps := 0, 0
	if _, err := LoadServices([]string{file}, Options{Resolved: func() { resolved++ }, Building: func(int, int) { steps++ }}); err != nil {
		t.Fatal(err)
	}
	if resolved != 0 || steps != buildSteps-1 {
		t.Errorf("Resolved called %d times, Building %d, want 0 and %d", resolved, steps, buildSteps-1)
	}
	resolved = 0
	if _, err := LoadServices([]string{file}, Options{Resolved: func() { resolved++ }}); err != nil {
		t.Fatal(err)
	}
	if resolved != 1 {
		t.Errorf("without Building: Resolved called %d times, want 1", resolved)
	}
}

// TestResolvedHookSteppedServiceCase: services are one whatever the case
// of their name, so a build of 2,048 backends named half "APIM/…" and half
// "apim/…" runs in steps, and Resolved is not called before it.
func TestResolvedHookSteppedServiceCase(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [`)
	for i := range 256 * buildSteps {
		if i > 0 {
			b.WriteString(",\n")
		}
		svc := "apim"
		if i%2 == 0 {
			svc = "APIM"
		}
		fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "%s/b%d", "properties": {"url": "https://b%d.example.com", "protocol": "http"}}`, svc, i, i)
	}
	b.WriteString("]}")
	file := filepath.Join(t.TempDir(), "mixed.json")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	resolved, steps := 0, 0
	svcs, err := LoadServices([]string{file}, Options{Resolved: func() { resolved++ }, Building: func(int, int) { steps++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs) != 1 || len(svcs[0].Backends) != 256*buildSteps {
		t.Fatalf("%d services", len(svcs))
	}
	if resolved != 0 || steps != buildSteps-1 {
		t.Errorf("Resolved called %d times, Building %d, want 0 and %d", resolved, steps, buildSteps-1)
	}
}

// TestReadingHook checks that Options.Reading is called before each JSON
// file of a folder walk is read, with the size the file system gives,
// and not for policy XML or files the walk skips.
func TestReadingHook(t *testing.T) {
	dir := t.TempDir()
	want := map[int64]int{}
	for name, data := range map[string]string{
		"a.json":       string(gen.ARM(20, 2)),
		"b.json":       string(gen.ARM(5, 1)),
		"other.json":   `{"not": "configuration"}`,
		"p.xml":        "<policies><inbound><base /></inbound></policies>",
		"notes.txt":    "not read",
		".hidden.json": `{}`,
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".") {
			st, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			want[st.Size()]++
		}
	}
	got := map[int64]int{}
	if _, err := LoadServices([]string{dir}, Options{Reading: func(size int64) { got[size]++ }}); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("Reading called with sizes %v, want %v (the three JSON files)", got, want)
	}
}
