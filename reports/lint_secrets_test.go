package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
)

// TestNoSecretsInReportsCredentials extends lint/rules' TestNoSecretsInReports
// (certificate material) to URL user information, credential header, query
// and authorization values, a proxy password, a secret named value and a
// secure parameter's value: testdata/secrets puts each on a line where a
// non-sensitive finding points, so the text printer quotes those lines.
// No format may print any of the values.
func TestNoSecretsInReportsCredentials(t *testing.T) {
	svcs, err := load.LoadServices([]string{"testdata/secrets/template.json"}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var results []*lint.Result
	for _, s := range svcs {
		results = append(results, lint.Run(s, rules.All, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}))
	}
	res := lint.Merge(results...)
	forbidden := []string{
		"Hunter2-url-pass", "deploy:Hunter2", // URL user information
		"hdr-secret-value-123", "qry-secret-value-456", "auth-secret-789", // credentials
		"proxy-pass-246",         // proxy password
		"nv-secret-value-xyz",    // secret named value
		"secure-param-value-abc", // secureString parameter's value
	}
	// The findings must point at the lines holding the values, or the test
	// proves nothing about the text printer.
	lines := map[int]bool{}
	for _, f := range res.Findings {
		if !f.Sensitive {
			lines[f.Pos.Line] = true
		}
	}
	for _, l := range []int{11, 12, 13, 14, 21} {
		if !lines[l] {
			t.Errorf("no non-sensitive finding on line %d of the fixture: %v", l, res.Findings)
		}
	}
	// A finding on the parameters file's line that holds the secure value
	// (a rule pointing there) is quoted masked too.
	paramLine := fakeRule("APIM998", "points-at-parameters", lint.Warning, lint.Finding{
		Pos: at("testdata/secrets/template.parameters.json", 4, 36), Message: "parameter apiKey"})
	res = lint.Merge(res, lint.Run(svcs[0], []*lint.Rule{paramLine}, nil, lint.RunOptions{}))
	if text := printNoSecrets(t, "", res, forbidden); !strings.Contains(text, `"apiKey": { "value": "`+lint.Mask+`" }`) {
		t.Errorf("text output does not quote the parameters line masked:\n%s", text)
	}
}

// printNoSecrets prints res in every format, reports any of forbidden in
// the output, and returns the text format's.
func printNoSecrets(t *testing.T, label string, res *lint.Result, forbidden []string) (text string) {
	t.Helper()
	for _, name := range PrinterNames() {
		p, err := NewPrinter(name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := p.Print(&out, res); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range forbidden {
			if i := strings.Index(out.String(), s); i >= 0 {
				t.Errorf("%s%s output contains secret %q: …%s…", label, name, s, out.String()[max(0, i-60):min(out.Len(), i+len(s)+20)])
			}
		}
		if name == "text" {
			text = out.String()
		}
	}
	return text
}

// The caret still points at the same text when a masked value stands
// before the column.
func TestRedactLineKeepsTheCaret(t *testing.T) {
	line := `"url": "http://deploy:pw-1234@orders.example/", "protocol": "https",`
	col := strings.Index(line, `"https"`) + 1
	for _, tt := range []struct {
		line     string
		col      int
		wantText string
	}{
		{line, col, `"url": "http://****@orders.example/", "protocol": "https",`},
		{`"a": 1`, 6, `"a": 1`},
	} {
		m := (&lint.Redactor{}).MaskLine(tt.line)
		got, gotCol := m.Text, m.Col(tt.col)
		if got != tt.wantText {
			t.Errorf("text = %q, want %q", got, tt.wantText)
		}
		want := strings.Index(tt.wantText, `"https"`) + 1
		if !strings.Contains(tt.wantText, `"https"`) {
			want = tt.col
		}
		if gotCol != want {
			t.Errorf("col = %d, want %d", gotCol, want)
		}
	}
}

// TestNoSecretsInReportsPolicyCredentials: credentials written as literals
// in a policy (a credential header, a credential query parameter, an
// authentication-basic password, the password in a set-backend-service
// base-url) are masked in every format when another rule's finding quotes
// their line, APIM501 enabled or not: the loader does not mark them
// secret, APIM501's Secrets hook does (a review found the text printer
// quoting an api-key in full under an APIM405 finding).
func TestNoSecretsInReportsPolicyCredentials(t *testing.T) {
	svcs, err := load.LoadServices([]string{"testdata/secrets-policy/policy.xml"}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{"hdr-policy-secret-111", "qry-policy-secret-222", "basic-policy-secret-333", "url-policy-secret-444"}
	for _, disable := range [][]string{nil, {"APIM501"}} {
		res := lint.Run(svcs[0], rules.All, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Disable: disable})
		lines := map[int]bool{}
		for _, f := range res.Findings {
			if !f.Sensitive {
				lines[f.Pos.Line] = true
			}
		}
		for l := 4; l <= 7; l++ {
			if !lines[l] {
				t.Fatalf("disable %v: no non-sensitive finding on line %d of the fixture: %v", disable, l, res.Findings)
			}
		}
		label := fmt.Sprintf("disable %v: ", disable)
		if text := printNoSecrets(t, label, res, forbidden); !strings.Contains(text, "<value>"+lint.Mask+"</value>") {
			t.Errorf("%stext output does not quote the header line masked:\n%s", label, text)
		}
	}
}

// TestNoSecretsInReportsEscaped: a credential is masked in the source
// lines printers quote however it is escaped there: as XML (&amp;,
// &quot;) in a policy file, as a JSON string (\\, \u00e9) in a REST or ARM
// file, as both in a policy inside JSON. The loaders decode the values, so
// the redactor knows them decoded; a review found each spelling printed in
// full under another rule's finding. A password in a policy that does not
// parse, and a key in a base-url's query, are masked too.
func TestNoSecretsInReportsEscaped(t *testing.T) {
	svcs, err := load.LoadServices([]string{"testdata/secrets-escaped/policy.xml", "testdata/secrets-escaped/res.json",
		"testdata/secrets-escaped/malformed.xml", "testdata/secrets-escaped/funckey.xml"}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{
		"hdr&amp;escaped-111", "hdr&escaped-111", "basic&quot;escaped-333", `basic"escaped-333`,
		`j\\bk-escaped-888`, `j\bk-escaped-888`, `p\u00e9-escaped-999`, "pé-escaped-999",
		`k\\ey-escaped-777`, `k\ey-escaped-777`,
		"malformed-secret-&-777", "&-777", // in a policy that does not parse (APIM901 quotes its line; encoding/xml quoted the rest after &)
		"FUNC-KEY-secret-555", // a Functions key in a base-url's query
	}
	var results []*lint.Result
	for _, s := range svcs {
		results = append(results, lint.Run(s, rules.All, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Disable: []string{"APIM501"}}))
	}
	res := lint.Merge(results...)
	quoted := 0
	for _, f := range res.Findings {
		if !f.Sensitive && (f.Pos.File == "testdata/secrets-escaped/policy.xml" && (f.Pos.Line == 4 || f.Pos.Line == 5) ||
			f.Pos.File == "testdata/secrets-escaped/res.json" && f.Pos.Line >= 4) {
			quoted++
		}
	}
	if quoted < 4 {
		t.Fatalf("only %d non-sensitive findings on the lines holding the credentials: %v", quoted, res.Findings)
	}
	printNoSecrets(t, "", res, forbidden)
}
