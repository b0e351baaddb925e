package reports

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
)

// TestUTF16Files: a template saved as UTF-16 (Windows PowerShell 5's
// `>`, encoded here with unicode/utf16) lints as its UTF-8 original does:
// the same findings at the same lines and columns, the text printer
// quoting the decoded line and SARIF counting its UTF-16 columns on it.
func TestUTF16Files(t *testing.T) {
	const template = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ApiManagement/service/backends",
      "apiVersion": "2024-05-01",
      "name": "apim1/ordérs",
      "properties": { "description": "façade", "url": "http://ordérs.example", "protocol": "http", "tls": { "validateCertificateChain": false } }
    }
  ]
}
`
	dir := t.TempDir()
	files := map[string][]byte{"utf8.json": []byte(template)}
	for name, order := range map[string]binary.AppendByteOrder{"utf16le.json": binary.LittleEndian, "utf16be.json": binary.BigEndian} {
		var b []byte
		for _, u := range append([]uint16{0xfeff}, utf16.Encode([]rune(template))...) {
			b = order.AppendUint16(b, u)
		}
		files[name] = b
	}
	outputs := map[string][2]string{}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		svcs, err := load.LoadServices([]string{path}, load.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res := lint.Run(svcs[0], rules.All, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
		var out [2]string
		for i, format := range []string{"text", "sarif"} {
			p, err := NewPrinter(format, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := p.Print(&b, res); err != nil {
				t.Fatal(err)
			}
			out[i] = strings.ReplaceAll(b.String(), name, "FILE")
		}
		outputs[name] = out
	}
	want := outputs["utf8.json"]
	if !strings.Contains(want[0], `"description": "façade"`) || !strings.Contains(want[0], "FILE:9:56") {
		t.Fatalf("the UTF-8 template's findings are not the ones this test is about:\n%s", want[0])
	}
	for _, name := range []string{"utf16le.json", "utf16be.json"} {
		got := outputs[name]
		if got[0] != want[0] {
			t.Errorf("%s: text output differs from the UTF-8 file's:\n%s\nwant\n%s", name, got[0], want[0])
		}
		if g, w := stripDigests(got[1]), stripDigests(want[1]); g != w {
			gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Errorf("%s: SARIF line %d is %q, the UTF-8 file's %q", name, i+1, gl[i], wl[i])
					break
				}
			}
		}
	}
}

// stripDigests drops the lines that hash a file's name or contents
// (fingerprints, artifact hashes and lengths differ with them).
func stripDigests(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "sha-256") && !strings.Contains(l, "\"length\"") && !strings.Contains(l, "apimlabFinding/") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
