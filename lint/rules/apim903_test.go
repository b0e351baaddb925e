package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// TestUnknownPropertyFixes checks that every kind of APIM903 load issue
// gets a fix that speaks of what it found. A configuration.<env>.yaml
// entry that names no artifact (seen linting part of the Umesh-Pagar/api-ops
// extract with its configuration.prod.yaml, which overrides named values
// by name) used to get the misspelt-property fix ("remove the property;
// write a policy's policyContent as value").
func TestUnknownPropertyFixes(t *testing.T) {
	at := apim.Position{File: "x", Line: 1, Col: 1}
	issue := func(kind apim.IssueKind, msg string) *apim.Error {
		is := apim.Errorf(at, apim.UnknownProperty, "%s", msg)
		is.Kind = kind
		return is
	}
	tests := []struct {
		name      string
		issue     *apim.Error
		want, not string // substrings of the fix
	}{
		{"misspelt property", issue(apim.IssuePlain, "unknown property tls.validateCertificatChain"),
			"Use the schema's spelling", ""},
		{"unmatched override", issue(apim.IssueUnmatchedOverride,
			`configuration.prod.yaml: namedValues override "named-value-2" matches no artifact, so it overrides nothing`),
			"artifact's folder name", "property"},
		{"unknown APIOps file", issue(apim.IssueUnknownFile,
			"api_information.json is not an APIOps artifact file name; the file was not loaded"),
			"rename the file", "property"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &apim.Service{Issues: []*apim.Error{tt.issue}}
			res := lint.Run(svc, []*lint.Rule{UnknownProperty}, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
			if len(res.Findings) != 1 {
				t.Fatalf("got %d findings, want 1", len(res.Findings))
			}
			fix := res.Findings[0].Fix
			if !strings.Contains(fix, tt.want) || tt.not != "" && strings.Contains(fix, tt.not) {
				t.Errorf("fix %q: want it to contain %q and not %q", fix, tt.want, tt.not)
			}
		})
	}
}
