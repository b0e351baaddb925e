package parity

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// policyIndexHeading starts the ledger section with one row per policy of
// Learn's policy reference index.
const policyIndexHeading = "## 9. Policy reference index"

// readmeCountRE finds the README's statement of the count.
var readmeCountRE = regexp.MustCompile(`emulates (\d+) of the (\d+) policies of\s+Learn's policy reference index`)

// TestPolicyIndex counts the policies the gateway emulates with a proving
// test (a row of section 9 whose status is not "not yet" and that names a
// test) and checks that the README states that number and the size of the
// index, and that no policy is listed twice.
func TestPolicyIndex(t *testing.T) {
	b, err := os.ReadFile(ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), policyIndexHeading)
	if !ok {
		t.Fatalf("docs/parity.md has no %q section", policyIndexHeading)
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	rows, err := parseLedger("docs/parity.md (section 9)", strings.NewReader(sec))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	emulated := 0
	for _, r := range rows {
		if seen[r.Behaviour] {
			t.Errorf("%s listed twice", r.Behaviour)
		}
		seen[r.Behaviour] = true
		if r.Status != statusNotYet && len(r.Proofs) > 0 {
			emulated++
		}
	}
	readme, err := os.ReadFile(moduleRoot + "/README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := readmeCountRE.FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("README.md does not state how many policies the gateway emulates (\"emulates N of the M policies of Learn's policy reference index\")")
	}
	if n, _ := strconv.Atoi(m[1]); n != emulated {
		t.Errorf("README.md says %d policies are emulated; docs/parity.md section 9 has %d with a proving test", n, emulated)
	}
	if n, _ := strconv.Atoi(m[2]); n != len(rows) {
		t.Errorf("README.md says the index has %d policies; docs/parity.md section 9 lists %d", n, len(rows))
	}
	t.Logf("%d of %d policies emulated with a proving test", emulated, len(rows))
}
