package routing

import (
	"net/url"
	"testing"
)

// TestMatch: operation templates as APIM matches them (Learn, "Add an
// operation": template parameters, "{*path}" catch-all; "/*" wildcard
// operations), expectations written by hand.
func TestMatch(t *testing.T) {
	tests := []struct {
		tmpl, rest string
		ok         bool
		params     map[string]string
	}{
		{"/users/{id}", "/users/42", true, map[string]string{"id": "42"}},
		{"/users/{id}", "/USERS/42", true, map[string]string{"id": "42"}},
		{"/users/{id}", "/users", false, nil},
		{"/users/{id}", "/users/42/orders", false, nil},
		{"/users/{id}", "/users//", false, nil},
		{"/users/{id}/orders?status={s}", "/users/7/orders", true, map[string]string{"id": "7"}},
		{"/files/{*path}", "/files/a/b/c.txt", true, map[string]string{"path": "a/b/c.txt"}},
		{"/files/{*path}", "/files", true, map[string]string{"path": ""}},
		{"/*", "/anything/at/all", true, map[string]string{}},
		{"/*", "", true, map[string]string{}},
		{"/users/*", "/users/1/x", true, map[string]string{}},
		{"/users/*", "/orders/1", false, nil},
		{"/", "", true, map[string]string{}},
		{"/", "/x", false, nil},
	}
	for _, tt := range tests {
		tp := Parse(tt.tmpl)
		params := map[string]string{}
		if got := tp.Match(tt.rest, params); got != tt.ok {
			t.Errorf("%s ~ %q = %v, want %v", tt.tmpl, tt.rest, got, tt.ok)
			continue
		}
		if tt.ok && len(params) != len(tt.params) {
			t.Errorf("%s ~ %q params %v, want %v", tt.tmpl, tt.rest, params, tt.params)
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("%s ~ %q params %v, want %v", tt.tmpl, tt.rest, params, tt.params)
			}
		}
	}
}

// TestMoreSpecific: more literal segments win, then more segments, then a
// template without a trailing wildcard.
func TestMoreSpecific(t *testing.T) {
	order := []string{"/users/me/orders", "/users/{id}/orders", "/users/me", "/users/{id}", "/users/{*rest}", "/*"}
	for i := range order {
		for j := range order {
			x, y := Parse(order[i]), Parse(order[j])
			if got, want := MoreSpecific(&x, &y), i < j && !(x.Literal == y.Literal && len(x.Segs) == len(y.Segs) && x.TailAny == y.TailAny); got != want {
				t.Errorf("MoreSpecific(%s, %s) = %v, want %v", order[i], order[j], got, want)
			}
		}
	}
}

// TestUnder: API path prefixes match case-insensitively on segment
// boundaries.
func TestUnder(t *testing.T) {
	tests := []struct {
		path, prefix, rest string
		ok                 bool
	}{
		{"/echo/x", "/echo", "/x", true},
		{"/ECHO", "/echo", "", true},
		{"/echoes", "/echo", "", false},
		{"/x", "", "/x", true},
		{"/ec", "/echo", "", false},
	}
	for _, tt := range tests {
		rest, ok := Under(tt.path, tt.prefix)
		if rest != tt.rest || ok != tt.ok {
			t.Errorf("Under(%q, %q) = %q, %v; want %q, %v", tt.path, tt.prefix, rest, ok, tt.rest, tt.ok)
		}
	}
	if Prefix(" /echo/ ") != "/echo" || Prefix("/") != "" {
		t.Error("Prefix does not normalise")
	}
}

func TestURLKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://Orders.Contoso.com/api", "https://orders.contoso.com/api/", true},
		{"HTTPS://orders.contoso.com:443/api", "https://orders.contoso.com/api", true},
		{"http://orders.contoso.com:80", "http://orders.contoso.com/", true},
		{"http://orders.contoso.com:8080", "http://orders.contoso.com", false},
		{"https://orders.contoso.com:80", "https://orders.contoso.com", false},
		{"https://orders.contoso.com/api", "https://orders.contoso.com/API", false},
		{"https://orders.contoso.com/api?x=1", "https://orders.contoso.com/api", true},
		{"http://orders.contoso.com/api", "https://orders.contoso.com/api", false},
		{"http://[::1]:80/a", "http://[::1]/a/", true},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := URLKey(a) == URLKey(b); got != tt.same {
			t.Errorf("URLKey(%q) == URLKey(%q) is %v, want %v (%q, %q)", tt.a, tt.b, got, tt.same, URLKey(a), URLKey(b))
		}
	}
}
