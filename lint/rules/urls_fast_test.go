package rules

import (
	"net/url"
	"strings"
	"testing"
)

// TestURLFastPaths checks the no-parse shortcuts (issue 16) against
// net/url itself: mayBeHTTP is true for every string url.Parse reads as
// http, and the password and query checks agree with a full parse.
func TestURLFastPaths(t *testing.T) {
	for _, s := range []string{
		"http://a", "HTTP://a", " http://a ", "HtTp:x", "http:", "https://a", "httpx://a",
		"http", "", "ftp://a", "//a", "/path", "http://u:p@a", "https://u:p@a/x?k=v",
		"https://a/x?sig=1", "https://a/x#frag?no", "https://u@a", "https://a/@x",
		"fabric:/app/svc", "\thttp://tab",
	} {
		u, err := url.Parse(strings.TrimSpace(s))
		if isHTTP := err == nil && strings.EqualFold(u.Scheme, "http"); isHTTP && !mayBeHTTP(s) {
			t.Errorf("mayBeHTTP(%q) = false for an http URL", s)
		}
		hasPwd := false
		if err == nil && u.User != nil {
			_, hasPwd = u.User.Password()
		}
		if got := urlHasPassword(s); got != hasPwd {
			t.Errorf("urlHasPassword(%q) = %v, want %v", s, got, hasPwd)
		}
		if got, want := urlHasSecrets(s), hasPwd || err == nil && u.RawQuery != ""; got != want {
			t.Errorf("urlHasSecrets(%q) = %v, want %v", s, got, want)
		}
		if !strings.ContainsAny(s, "@?") && redactURL(s) != s {
			t.Errorf("redactURL(%q) changed a URL without user information or query", s)
		}
	}
}
