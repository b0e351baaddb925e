package lint

import (
	"strings"
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
		// Every JSON escape decodes to its own character.
		{`"s\u0033cr3t\t\"x\"\n\/\\ \b\f\r"`, `"****\t\"x\"\n\/\\ \b\f\r"`},
		{`"p\u0026amp;ss-word!"`, `"****"`},
		// Partly escaped without any "&#" or \u: an entity among plain
		// XML text, \" and &amp; in JSON, \/ in a URL.
		{`<value>p&amp;ss-word!</value> <v>p&amp;ss-word&#33;</v>`, `<value>****</value> <v>****</v>`},
		{`"https:\/\/api.example\/s3cr3t-long"`, `"https:\/\/api.example\/****"`},
		// Leading zeros, however many.
		{`<value>&#0000000115;3cr3t</value>`, `<value>****</value>`},
		{`<value>&#x000000000073;3cr3t</value>`, `<value>****</value>`},
		// An XML file: a backslash is plain text, the reference decodes.
		{`<v>C:\n &#115;3cr3t</v>`, `<v>C:\n ****</v>`},
	} {
		if got := amp.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	pq := (&Redactor{}).with(`a>b&"cdef`)
	for _, tt := range []struct{ in, want string }{
		{`<v>a>b&amp;"cdef</v>`, `<v>****</v>`},
		{`x="a&gt;b&amp;&quot;cdef"`, `x="****"`},
		{`"<v>a>b&amp;\"cdef</v>"`, `"<v>****</v>"`},
		{`"<v>a\u003eb&amp;\u0022cdef</v>"`, `"<v>****</v>"`},
	} {
		if got := pq.Redact(tt.in); got != tt.want {
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

// The caret column moves by what the masks before it removed, and points
// at the mask when it falls inside a masked value.
func TestMaskedLineCol(t *testing.T) {
	r := (&Redactor{}).with("s3cr3t-long")
	line := `a="&#115;3cr3t-long" b="s3cr3t-long" c=1`
	m := r.MaskLine(line)
	if want := `a="****" b="****" c=1`; m.Text != want {
		t.Fatalf("Text = %q, want %q", m.Text, want)
	}
	for _, tt := range []struct{ col, want int }{
		{1, 1},
		{3, 3}, // the opening quote
		{4, 4}, // the start of the first value: its mask
		{10, 4},
		{strings.Index(line, `" b=`) + 1, strings.Index(m.Text, `" b=`) + 1},
		{strings.Index(line, "c=1") + 1, strings.Index(m.Text, "c=1") + 1},
		{len(line) + 1, len(m.Text) + 1},
		{0, 0},
	} {
		if got := m.Col(tt.col); got != tt.want {
			t.Errorf("Col(%d) = %d, want %d", tt.col, got, tt.want)
		}
	}
}

// FuzzMaskLine: no input makes masking panic, a caret stays inside the
// masked line, and no secret is left in the masked line, however it is
// decoded (as written, as XML, as XML inside a JSON string).
func FuzzMaskLine(f *testing.F) {
	secrets := []string{"s3cr3t", "p&ss-word!", `a>b&"cdef`, "pässwörd🔑"}
	r := (&Redactor{}).with(secrets...)
	for _, seed := range []string{
		`<value>&#x73;3cr3t</value>`, `"p\u0026amp;ss-word!"`, `\t\u12&#;&#x110000;&`,
		`"<v>a\u003eb&amp;\"cdef</v>"`, `&#0000000115;3cr3t \/\\`, `"p\u00e4ssw&#xf6;rd\ud83d\udd11"`,
		`https://user:pw@host/ s3cr3ts3cr3t`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := r.MaskLine(s)
		prev := 0
		for col := 1; col <= len(s)+1; col++ {
			c := m.Col(col)
			if c < 1 || c > len(m.Text)+1 || c < prev {
				t.Fatalf("MaskLine(%q).Col(%d) = %d after %d: outside 1..%d or backwards", s, col, c, prev, len(m.Text)+1)
			}
			prev = c
		}
		for _, d := range []string{m.Text, decode(m.Text, xmlUnit), decode(decode(m.Text, jsonUnit), xmlUnit)} {
			for _, v := range secrets {
				if strings.Contains(d, v) {
					t.Fatalf("MaskLine(%q) = %q: %q left in %q", s, m.Text, v, d)
				}
			}
		}
	})
}
