package rules

import (
	"strings"
	"testing"
)

func TestUnresolvedFix(t *testing.T) {
	for _, tt := range []struct{ msg, want string }{
		{`parameter "url" has no value (pass --parameters)`, "--parameters"},
		{`Key Vault reference (vault "kv", secret "pw")`, "Key Vault at deploy time"},
		{`reference("/subscriptions/…") needs a live deployment`, "deployed resources"},
		{`unsupported template function "foo"`, ""},
	} {
		got := unresolvedFix(tt.msg)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("unresolvedFix(%q) = %q, want it to contain %q", tt.msg, got, tt.want)
		}
	}
}
