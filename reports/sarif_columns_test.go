package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// SARIF columns count UTF-16 code units (columnKind utf16CodeUnits, what
// GitHub code scanning reads); apimlab's positions count bytes. Each case
// points at the byte column of a marker and expects the column
// utf16.Encode gives for the text before it.
func TestSARIFColumnsUTF16(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{ "a": "plain ascii", "X": 1 }`,
		`{ "name": "café", "X": 1 }`,
		`{ "note": "😀 emoji, two units", "X": 1 }`,
		`{ "mixed": "日本語 und é 😀", "X": 1 }`,
		"\t\"tab\": \"é\", \"X\": 1",
		`{ "x": "` + strings.Repeat("é", 70000) + `", "X": 1 }`, // past bufio's buffer
	}
	file := filepath.Join(dir, "t.json")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\r\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var findings []lint.Finding
	var want []int
	for i, l := range lines {
		b := strings.Index(l, `"X"`)
		findings = append(findings, lint.Finding{Rule: "APIM001", Message: "m", Pos: apim.Position{File: file, Line: i + 1, Col: b + 1}})
		want = append(want, len(utf16.Encode([]rune(l[:b])))+1)
	}
	// A finding in a file that cannot be read keeps its column.
	findings = append(findings, lint.Finding{Rule: "APIM001", Message: "m", Pos: apim.Position{File: filepath.Join(dir, "missing.json"), Line: 3, Col: 17}})
	want = append(want, 17)

	var buf bytes.Buffer
	if err := (&SARIF{Version: "test"}).Print(&buf, &lint.Result{Findings: findings}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			ColumnKind string `json:"columnKind"`
			Results    []struct {
				Locations []struct {
					PhysicalLocation struct {
						Region struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if got := log.Runs[0].ColumnKind; got != "utf16CodeUnits" {
		t.Errorf("columnKind %q, want utf16CodeUnits", got)
	}
	for i, r := range log.Runs[0].Results {
		reg := r.Locations[0].PhysicalLocation.Region
		if reg.StartColumn != want[i] {
			t.Errorf("finding %d (line %d, byte column %d): startColumn %d, want %d", i, reg.StartLine, findings[i].Pos.Col, reg.StartColumn, want[i])
		}
	}
}
