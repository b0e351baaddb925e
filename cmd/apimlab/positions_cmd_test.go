package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scanLineCol returns the 1-based line and byte column of offset off in
// src, computed by scanning the bytes (columns count bytes, a BOM and a CR
// included, as apim.Position documents).
func scanLineCol(src []byte, off int) (int, int) {
	return 1 + bytes.Count(src[:off], []byte{'\n'}), off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
}

type posFinding struct {
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Msg  string `json:"message"`
}

// lintPositions runs lint --format json on path and returns its findings.
func lintPositions(t *testing.T, args ...string) []posFinding {
	t.Helper()
	_, out, stderr := runCLI(t, append([]string{"lint", "--format", "json"}, args...)...)
	var rep struct {
		Findings []posFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("lint output is not a json report: %v\n%s\n%s", err, out, stderr)
	}
	return rep.Findings
}

// bigCRLFTemplate writes a template of more than 1 MB with CRLF line
// endings, a BOM, tab indentation, multi-byte descriptions, lines longer
// than the reader's buffer and more lines than the streaming parse's line
// window, whose last backends carry findings. It returns the bytes and the
// offsets the findings must point at, by rule.
func bigCRLFTemplate(n int) ([]byte, map[string][]int) {
	var b bytes.Buffer
	want := map[string][]int{}
	mark := func(rule, s string) {
		want[rule] = append(want[rule], b.Len())
		b.WriteString(s)
	}
	b.WriteString("\xef\xbb\xbf{\r\n\t\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\r\n" +
		"\t\"contentVersion\": \"1.0.0.0\",\r\n" +
		"\t\"parameters\": {\"apimName\": {\"type\": \"string\", \"defaultValue\": \"apim\"}, \"sku\": {\"type\": \"string\", \"defaultValue\": \"Premium\"}},\r\n" +
		"\t\"resources\": [\r\n" +
		"\t\t{\"type\": \"Microsoft.ApiManagement/service\", \"apiVersion\": \"2024-05-01\", \"name\": \"[parameters('apimName')]\", \"location\": \"westeurope\",\r\n" +
		"\t\t \"sku\": {\"name\": \"[parameters('sku')]\", \"capacity\": 1},\r\n" +
		"\t\t \"properties\": {\"publisherEmail\": \"ops@contoso.com\", \"publisherName\": \"Contoso — Ünïcødé 日本\"}}")
	for i := range n {
		b.WriteString(",\r\n\t\t{\"type\": \"Microsoft.ApiManagement/service/backends\", \"apiVersion\": \"2024-05-01\",\r\n")
		fmt.Fprintf(&b, "\t\t \"name\": \"[concat(parameters('apimName'), '/b-%d')]\",\r\n", i)
		desc := fmt.Sprintf("Backend %d — 日本語の説明 😀 über", i)
		if i%500 == 499 {
			desc += strings.Repeat("é", 40<<10) // an 80 KB line
		}
		fmt.Fprintf(&b, "\t\t \"properties\": {\"description\": %q,\r\n\t\t\t\"url\": \"https://b%d.contoso.com\", \"protocol\": \"http\",\r\n", desc, i)
		switch i {
		case n - 2:
			b.WriteString("\t\t\t\"title\": \"ünïcødé ✓\", \"tls\": {\t\"validateCertificateName\": true, \"validateCertificateChain\":\t")
			mark("APIM001", "false")
			b.WriteString("}}}")
		case n - 1:
			b.WriteString("\t\t\t\"title\": \"😀😀\", \"tls\": {\"serverX509Names\": [\t")
			mark("APIM316", `{"name": "Contoso CA — 日本", "issuerCertificateThumbprint": "0123456789ABCDEF0123456789ABCDEF01234567"}`)
			b.WriteString("]}}}")
		default:
			b.WriteString("\t\t\t\"tls\": {\"validateCertificateChain\": true, \"validateCertificateName\": true}}}")
		}
	}
	b.WriteString("\r\n\t]\r\n}\r\n")
	return b.Bytes(), want
}

// TestLintPositionsBigCRLF checks that findings late in a large CRLF
// template (BOM, tabs, multi-byte text, very long lines, past the
// streaming parse's line window) are reported at the line and column a
// scan of the bytes gives, and so is a syntax error near its end.
func TestLintPositionsBigCRLF(t *testing.T) {
	src, want := bigCRLFTemplate(2600)
	if len(src) < 1<<20 {
		t.Fatalf("template is %d bytes", len(src))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "big.json")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range lintPositions(t, path) {
		if want[f.Rule] != nil {
			got[f.Rule] = append(got[f.Rule], fmt.Sprintf("%d:%d", f.Line, f.Col))
		}
	}
	for rule, offs := range want {
		var w []string
		for _, off := range offs {
			l, c := scanLineCol(src, off)
			w = append(w, fmt.Sprintf("%d:%d", l, c))
		}
		if fmt.Sprint(got[rule]) != fmt.Sprint(w) {
			t.Errorf("%s at %v, want %v", rule, got[rule], w)
		}
	}

	// A malformed value in the last backend: the error (APIM901) is at
	// the first byte that cannot be JSON.
	i := bytes.LastIndex(src, []byte(`"issuerCertificateThumbprint": "`))
	broken := append(bytes.Clone(src[:i]), append([]byte(`"issuerCertificateThumbprint": 0x1F`), src[i+len(`"issuerCertificateThumbprint": `)+42:]...)...)
	bad := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(bad, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	off := i + len(`"issuerCertificateThumbprint": 0`)
	l, c := scanLineCol(broken, off)
	var errs []string
	for _, f := range lintPositions(t, bad) {
		if f.Rule == "APIM901" {
			errs = append(errs, fmt.Sprintf("%d:%d %s", f.Line, f.Col, f.Msg))
		}
	}
	if len(errs) != 1 || !strings.HasPrefix(errs[0], fmt.Sprintf("%d:%d ", l, c)) {
		t.Errorf("APIM901 findings %q, want one at %d:%d", errs, l, c)
	}
}
