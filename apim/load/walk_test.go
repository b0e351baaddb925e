package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

const walkBackend = `{"type": "Microsoft.ApiManagement/service/backends", "name": "b1",
  "properties": {"url": "https://b1.example.com", "protocol": "http"}}`

// Folder walks skip what cannot be loaded safely and say so in Skipped:
// a symbolic link back to a folder being walked, and a named pipe (reading
// it would block forever).
func TestWalkSkipsLoopsAndPipes(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string)
		wantType string
		wantName string // suffix of the skipped path
	}{
		{"symlink loop", func(t *testing.T, dir string) {
			if err := os.Symlink("..", filepath.Join(dir, "sub", "loop")); err != nil {
				t.Skipf("symlink: %v", err)
			}
		}, "symlink loop", filepath.Join("sub", "loop")},
		{"named pipe", func(t *testing.T, dir string) {
			if err := mkfifo(filepath.Join(dir, "pipe.json")); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "file", "pipe.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "b1.json", walkBackend)
			writeFile(t, dir, filepath.Join("sub", "keep.txt"), "not configuration")
			tt.setup(t, dir)
			svc, err := Load([]string{dir}, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := len(svc.Backends); got != 1 {
				t.Errorf("loaded %d backends, want 1 (each file once)", got)
			}
			if !hasSkipped(svc, tt.wantType, tt.wantName) {
				t.Errorf("Skipped = %+v, want a %q entry ending in %q", svc.Skipped, tt.wantType, tt.wantName)
			}
		})
	}
}

func hasSkipped(svc *apim.Service, typ, suffix string) bool {
	for _, s := range svc.Skipped {
		if s.Type == typ && strings.HasSuffix(s.Name, suffix) {
			return true
		}
	}
	return false
}

// An APIOps entity folder without its information file defines no entity:
// the loader reports it instead of failing the whole load.
func TestAPIOpsMissingInformationFile(t *testing.T) {
	tests := []struct {
		name, folder, wantMsg string
	}{
		{"backend", filepath.Join("backends", "orders"), "backends/orders has no backendInformation.json"},
		{"named value", filepath.Join("named values", "api key"), "named values/api key has no namedValueInformation.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, filepath.Join("backends", "ok", "backendInformation.json"),
				`{"properties": {"url": "https://ok.example.com", "protocol": "http"}}`)
			writeFile(t, dir, filepath.Join(tt.folder, "notes.md"), "no information file here")
			svc, err := Load([]string{dir}, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if svc.Backend("ok") == nil {
				t.Errorf("backend ok not loaded")
			}
			var found *apim.Error
			for _, is := range svc.Issues {
				if strings.Contains(is.Msg, tt.wantMsg) {
					found = is
				}
			}
			if found == nil {
				t.Fatalf("no issue containing %q; issues: %v", tt.wantMsg, svc.Issues)
			}
			// At a file of the folder, line 1, so that the finding has a
			// location an editor and a pull request can show.
			if found.Code != apim.Malformed || filepath.Dir(found.Pos.File) != filepath.Join(dir, tt.folder) || found.Pos.Line != 1 {
				t.Errorf("issue = %s at %s, want APIM901 at line 1 of a file in the folder", found.Code, found.Pos)
			}
		})
	}
}

// A resource whose name cannot be resolved is reported (APIM902) and kept
// in Skipped under its kind, so that rules know an entity of that kind
// may exist.
func TestUnresolvedNameLeavesTrace(t *testing.T) {
	p := writeFile(t, t.TempDir(), "loop.json", `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "count": { "type": "int" } },
  "resources": [ { "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01",
    "name": "[concat('apim/be-', copyIndex())]", "copy": { "name": "l", "count": "[parameters('count')]" },
    "properties": { "url": "https://be.example.com", "protocol": "http" } } ]
}`)
	svc, err := Load([]string{p}, Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !hasSkipped(svc, "backends", "(name unresolved)") {
		t.Errorf("Skipped = %+v, want a backends entry", svc.Skipped)
	}
	if Problems(svc) == 0 {
		t.Errorf("no APIM902 problem recorded")
	}
}

// A dangling link met while walking a folder is reported (APIM901, naming
// the path) and the rest of the folder still loads; given explicitly, it
// is an error.
func TestWalkReportsDanglingLink(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "b1.json", walkBackend)
	link := filepath.Join(dir, "gone.json")
	if err := os.Symlink(filepath.Join(dir, "missing.json"), link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	svc, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(svc.Backends) != 1 {
		t.Errorf("loaded %d backends, want 1", len(svc.Backends))
	}
	found := false
	for _, is := range svc.Issues {
		if is.Code == apim.Malformed && is.Kind == apim.IssueUnreadable && is.Pos.File == link && strings.Contains(is.Msg, "cannot read") {
			found = true
		}
	}
	if !found {
		t.Errorf("no APIM901 naming %s: %v", link, svc.Issues)
	}
	if _, err := Load([]string{link}, Options{}); err == nil {
		t.Error("an explicit dangling link loaded without error")
	}
}
