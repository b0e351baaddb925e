package rules

import (
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

func TestUnresolvedFix(t *testing.T) {
	for _, tt := range []struct {
		kind apim.IssueKind
		want string
	}{
		{apim.IssueNoValue, "--parameters"},
		{apim.IssueKeyVault, "Key Vault at deploy time"},
		{apim.IssueNeedsDeployment, "deployed resources"},
		{apim.IssuePlain, ""},
	} {
		got := unresolvedFix(tt.kind)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("unresolvedFix(%d) = %q, want it to contain %q", tt.kind, got, tt.want)
		}
	}
}
