package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
)

// TestBaseURLNoEntityCoverage: a base-url no backend entity matches is
// said to match none when the inputs hold every backend (--complete), and
// to match none in these files otherwise (a lone policy file cannot show
// that the service has no such entity).
func TestBaseURLNoEntityCoverage(t *testing.T) {
	dir := t.TempDir()
	policy := `<policies><inbound><base /><set-backend-service base-url="https://beta.contoso.com" /></inbound>` +
		`<backend><forward-request /></backend><outbound><base /></outbound></policies>`
	if err := os.WriteFile(filepath.Join(dir, "orders.xml"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		complete bool
		want     string
	}{
		{true, "is hard-coded and matches no backend entity:"},
		{false, "is hard-coded and no backend entity in these files has this URL (they do not hold every backend of the service):"},
	} {
		svcs, err := load.LoadServices([]string{filepath.Join(dir, "orders.xml")}, load.Options{Complete: tt.complete})
		if err != nil {
			t.Fatal(err)
		}
		res := lint.Run(svcs[0], []*lint.Rule{BaseURLHardcoded}, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
		if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Message, tt.want) {
			t.Errorf("complete %v: findings %v, want one saying %q", tt.complete, res.Findings, tt.want)
		}
	}
}
