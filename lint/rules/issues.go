package rules

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// Load problems (Service.Issues) reported by the 9xx rules. A rule says
// which class of problem it reports in its Problems field; the rules tell
// problems apart by their typed Code and Kind, never by message text
// (issue 12; TestNoMessageMatching keeps it so).

// ProblemRule returns the ID of the rule that reports the load problem
// is, or "" when no rule of All does. Non-ISO-8601 breaker durations
// (apim.IssueBadDuration) are reported by the breaker rule that checks
// durations.
func ProblemRule(is *apim.Error) string {
	if is == nil {
		return ""
	}
	if is.Kind == apim.IssueBadDuration {
		return BreakerInvalid.ID
	}
	for _, r := range All {
		if r.Problems != 0 && r.Problems == is.Code {
			return r.ID
		}
	}
	return ""
}

// issueFixes are the fix hints of load issue kinds that the reporting
// rule's own Fix does not describe (an empty hint falls back to it).
var issueFixes = map[apim.IssueKind]string{
	apim.IssueUnknownFile: "rename the file to the artifact file name APIOps uses (the message suggests one when " +
		"the name is close), or move it out of the artifact folder",
	apim.IssueUnmatchedOverride: "spell the entry's name as the artifact's folder name, or remove the entry if the " +
		"artifact is gone",
}

// reportIssues reports the service's load issues of class code (the
// reporting rule's Problems); the subject is the file. keep, when non-nil,
// selects issues.
func reportIssues(pass *lint.Pass, code apim.Code, keep func(*apim.Error) bool) {
	for _, is := range pass.Service.Issues {
		if is == nil || is.Code != code || keep != nil && !keep(is) {
			continue
		}
		pass.ReportFixf(is.Pos, fileSubject(is.Pos.File), issueFixes[is.Kind], "%s", is.Msg)
	}
}
