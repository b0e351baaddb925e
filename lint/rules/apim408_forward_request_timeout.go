package rules

import (
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// maxHonouredTimeout is the longest forward-request timeout, in seconds,
// that the platform honours: "Values greater than 240 seconds may not be
// honored, because the underlying network infrastructure can drop idle
// connections after this time" (forward-request policy reference).
const maxHonouredTimeout = 240

// ForwardRequestTimeout reports forward-request timeouts that are not
// honoured or contradictory.
var ForwardRequestTimeout = &lint.Rule{
	ID:       "APIM408",
	Name:     "forward-request-timeout",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "forward-request timeout over 240 s, or both timeout and timeout-ms",
		Why: "The forward-request reference says values of `timeout` greater than 240 seconds may not " +
			"be honoured, because the network infrastructure drops idle connections after that: a " +
			"client waiting on a slow backend gets a connection reset instead of the timeout error " +
			"and on-error handling the policy was written for. `timeout` and `timeout-ms` are " +
			"alternatives; the reference allows one or the other, not both. Timeouts computed by " +
			"expressions are not checked.",
		Fix: "Keep the timeout at 240 s or less (make long operations asynchronous), and use only one " +
			"of timeout (seconds) and timeout-ms (milliseconds).",
		Bad: `<backend>
  <forward-request timeout="600" />
</backend>`,
		Good: `<backend>
  <forward-request timeout="120" />
</backend>`,
		Since: "0.1.0",
	},
	Check: checkForwardRequestTimeout,
}

func checkForwardRequestTimeout(pass *lint.Pass) {
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		subj := policySubject(p.Src)
		p.walkNamed([]string{"forward-request"}, func(e *policy.Element) bool {
			sec, ms := e.Attr("timeout"), e.Attr("timeout-ms")
			if sec != nil && ms != nil {
				pass.ReportFixf(ms.Pos, subj, "remove timeout or timeout-ms",
					"forward-request sets both timeout=%q and timeout-ms=%q; use only one", sec.Source, ms.Source)
			}
			if sec != nil {
				if n, err := sec.Int(); err == nil && n > maxHonouredTimeout {
					pass.ReportFixf(sec.Pos, subj, "use timeout=\"240\" or less",
						"forward-request timeout=\"%d\" (seconds) is over %d s, which the platform may not honour: idle connections are dropped after %d s",
						n, maxHonouredTimeout, maxHonouredTimeout)
				}
			}
			if ms != nil {
				if n, err := ms.Int(); err == nil && n > maxHonouredTimeout*1000 {
					pass.ReportFixf(ms.Pos, subj, "use timeout-ms=\"240000\" or less",
						"forward-request timeout-ms=\"%d\" (%d s) is over %d s, which the platform may not honour: idle connections are dropped after %d s",
						n, n/1000, maxHonouredTimeout, maxHonouredTimeout)
				}
			}
			return false
		})
	}
}
