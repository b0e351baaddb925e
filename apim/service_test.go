package apim

import (
	"slices"
	"testing"
)

func TestURLUserinfo(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"https://orders.example/", nil},
		{"https://user:pa%3Ass@host/x", []string{"user:pa%3Ass", "pa:ss"}},
		{"https://token@host", []string{"token"}},
		{"see http://a:b@h1/ and ftp://c:d@h2", []string{"a:b", "b", "c:d", "d"}},
		{"mailto:ops@example.com", nil},
	} {
		if got := urlUserinfo(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("urlUserinfo(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSecrets(t *testing.T) {
	lit := func(v string) Field[string] { return Field[string]{Value: v, Set: true, Literal: true} }
	svc := &Service{
		Backends: []*Backend{{
			URL: lit("https://deploy:url-pass-1@orders.example/"),
			Credentials: &Credentials{
				Header:        []KeyValues{{Name: "x-key", Values: []Field[string]{lit("header-value-1")}}},
				Query:         []KeyValues{{Name: "sig", Values: []Field[string]{lit("query-value-1")}}},
				Authorization: &Authorization{Scheme: lit("Basic"), Parameter: lit("auth-param-1")},
			},
			Proxy: &Proxy{URL: lit("http://proxy.example"), Username: lit("proxy-user"), Password: lit("proxy-pass-1")},
			Title: Field[string]{Value: "secure-title", Set: true, Secure: true},
		}},
		NamedValues: []*NamedValue{
			{Name: "plain", Value: lit("westeurope"), Secret: Field[bool]{Value: false, Set: true}},
			{Name: "secret", Value: lit("named-secret-1"), Secret: Field[bool]{Value: true, Set: true}},
			{Name: "unsure", Value: lit("named-unsure-1"), Secret: Field[bool]{Set: true}.WithUnknown("not a boolean")},
		},
		Certificates: []*Certificate{{Password: lit("pfx-pass-1"), Data: lit("MIIKpfxdata")}},
		CAStore:      []*CACertificate{{CertificatePassword: lit("ca-pass-1")}},
	}
	// Longest first, then in byte order; "westeurope" (not secret) and the
	// proxy's URL and user name are not there.
	want := []string{
		"deploy:url-pass-1",                                  // 17
		"header-value-1", "named-secret-1", "named-unsure-1", // 14
		"query-value-1",                                // 13
		"auth-param-1", "proxy-pass-1", "secure-title", // 12
		"MIIKpfxdata",              // 11
		"pfx-pass-1", "url-pass-1", // 10
		"ca-pass-1", // 9
	}
	if got := svc.Secrets(); !slices.Equal(got, want) {
		t.Errorf("Secrets() =\n%q\nwant\n%q", got, want)
	}
}

// TestURLPasswords: the password of a URL's user information is found
// and masked whether or not the URL parses (a {{named value}} host does
// not), percent-encoding decoded; a user without a password, an empty
// password and text without a URL hold none.
func TestURLPasswords(t *testing.T) {
	for _, tt := range []struct {
		in, pw, masked string
	}{
		{"https://svc:pw-1@{{orders-host}}/api", "pw-1", "https://svc:****@{{orders-host}}/api"},
		{"https://svc:p%40ss@orders.example/", "p@ss", "https://svc:****@orders.example/"},
		{" http://u:x@h ", "x", " http://u:****@h "},
		{"https://user@orders.example/", "", "https://user@orders.example/"},
		{"https://user:@orders.example/", "", "https://user:@orders.example/"},
		{"no url here: a:b@c", "", "no url here: a:b@c"},
		{`from "https://a:one@x/" to "https://b:two@y/"`, "one", `from "https://a:****@x/" to "https://b:****@y/"`},
	} {
		pw, ok := URLPassword(tt.in)
		if pw != tt.pw || ok != (tt.pw != "") {
			t.Errorf("URLPassword(%q) = %q, %v; want %q", tt.in, pw, ok, tt.pw)
		}
		if got := MaskURLPasswords(tt.in, "****"); got != tt.masked {
			t.Errorf("MaskURLPasswords(%q) = %q, want %q", tt.in, got, tt.masked)
		}
	}
}
