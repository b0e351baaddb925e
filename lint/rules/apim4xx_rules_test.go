package rules

import (
	"slices"
	"testing"

	"github.com/apimlab/apimlab/lint/linttest"
)

// TestPolicyRuleFixtures runs the policy and secret rules on their
// testdata/<ID> fixtures until they are listed in All (TestFixtures runs
// them from then on).
func TestPolicyRuleFixtures(t *testing.T) {
	for _, r := range policyRules {
		if slices.Contains(All, r) {
			continue
		}
		t.Run(r.ID, func(t *testing.T) { linttest.Run(t, r) })
	}
}
