package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// Load problems (Service.Issues) reported by the 9xx rules. Every test of
// an issue's code or message lives in this file, so that when the model
// gives each problem a typed kind (issue 12, "load problems as typed
// kinds") one file changes.

// unreadable reports whether a load issue is a file that could not be read
// (a dangling link, no permission).
//
// TODO(issue 12): the model has no IssueKind for this yet; match the kind
// instead of the message once apim adds one.
func unreadable(is *apim.Error) bool {
	return strings.HasPrefix(is.Msg, "cannot read ")
}

// reportIssues reports the service's load issues with the given code; the
// subject is the file. suffix, when non-nil, adds to each message.
func reportIssues(pass *lint.Pass, code string, keep func(*apim.Error) bool, suffix func(path string) string) {
	for _, is := range pass.Service.Issues {
		if is == nil || is.Code != code || keep != nil && !keep(is) {
			continue
		}
		msg := is.Msg
		if suffix != nil {
			msg += suffix(is.Pos.Path)
		}
		pass.Reportf(is.Pos, fileSubject(is.Pos.File), "%s", msg)
	}
}
