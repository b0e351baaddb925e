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
	// Secrets written with character references or JSON escapes in part
	// (any character may be), which escapedForms cannot list.
	amp := (&Redactor{}).with("p&ss-word!", "s3cr3t-long", "s3cr3t", "pässwörd🔑")
	for _, tt := range []struct{ in, want string }{
		{`<value>&#x73;3cr3t-long</value>`, `<value>****</value>`},
		{`<value>&#X73;3cr3t-long</value>`, `<value>****</value>`},
		{`<value>&#115;3cr3t-long</value>`, `<value>****</value>`},
		{`<value>s3cr3&#x74;-long</value>`, `<value>****</value>`},
		{`password="p&amp;s&#115;-word!"`, `password="****"`},
		{`password="p&#38;ss-word&#x21;" x="1"`, `password="****" x="1"`},
		{`&#115;3cr3t and s3cr3t-long, s3cr3t`, `**** and ****, ****`},
		// A policy inside a JSON string, escaped the way PowerShell's
		// ConvertTo-Json writes it.
		{`"value": "\u003cvalue\u003e\u0026#x73;3cr3t-long\u003c/value\u003e"`, `"value": "\u003cvalue\u003e****\u003c/value\u003e"`},
		{`"value": "<value>&#x73;3cr3t-long</value>"`, `"value": "<value>****</value>"`},
		{`"p": "p\u00e4ssw&#xf6;rd\ud83d\udd11"`, `"p": "****"`},
		// No secret, malformed or out-of-range references: unchanged.
		{`&#x41;BC \u0041 &#xZZ; &#x110000; &#; &amp s3cr3</value>`, `&#x41;BC \u0041 &#xZZ; &#x110000; &#; &amp s3cr3</value>`},
		{`&#xZZ; s3cr3t`, `&#xZZ; ****`},
		{`\u12`, `\u12`},
	} {
		if got := amp.Redact(tt.in); got != tt.want {
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
