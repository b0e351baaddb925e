package lint

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

func TestRedactor(t *testing.T) {
	r := &Redactor{secrets: []string{"s3cr3t-long", "s3cr3t"}}
	for _, tt := range []struct {
		r        *Redactor
		in, want string
	}{
		{r, `"x-key": ["s3cr3t-long"]`, `"x-key": ["****"]`},
		{r, `a s3cr3t and s3cr3t`, `a **** and ****`},
		{r, `"url": "https://user:pw@host/"`, `"url": "https://****@host/"`},
		{nil, `"url": "https://user:pw@host/"`, `"url": "https://****@host/"`},
		{nil, `"email": "ops@contoso.example"`, `"email": "ops@contoso.example"`},
		{r, ``, ``},
	} {
		if got := tt.r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := r.values("https://user:pw@host/ s3cr3t"); got != "https://user:pw@host/ ****" {
		t.Errorf("values() = %q: messages keep the rules' own URL masking", got)
	}
}

func TestRunMasksSecretsInMessagesAndNamesTheService(t *testing.T) {
	svc := &apim.Service{Name: "apim-x", NamedValues: []*apim.NamedValue{{Name: "k",
		Value:  apim.Field[string]{Value: "top-secret-value", Set: true},
		Secret: apim.Field[bool]{Value: true, Set: true}}}}
	rule := &Rule{ID: "APIM999", Name: "leaky", Check: func(p *Pass) {
		p.Reportf(apim.Position{File: "f.json", Line: 1, Col: 1}, Subject{}, "value is top-secret-value")
	}}
	res := Run(svc, []*Rule{rule}, nil, RunOptions{})
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %v", res.Findings)
	}
	if f := res.Findings[0]; f.Message != "value is ****" || f.Service != "apim-x" {
		t.Errorf("finding = %q in service %q; want the value masked, service apim-x", f.Message, f.Service)
	}
}
