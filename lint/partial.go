package lint

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// notVerifiable is appended to the message of a dangling reference the
// inputs cannot disprove.
const notVerifiable = "not verifiable from these files"

// applyCoverage is the partial-inputs rule: a finding that reports a
// reference to an entity of a kind the service's inputs do not hold in
// full (a lone REST resource, a folder of an APIOps tree, an APIOps
// extract without certificates) says what it cannot know. It becomes Info
// and its message ends with "not verifiable from these files", unless the
// user said the inputs are the whole service (--complete).
func applyCoverage(f *Finding, svc *apim.Service) {
	if f.Refers == "" || svc.Coverage.Holds(f.Refers) {
		return
	}
	f.Severity = Info
	f.Message += "; " + notVerifiable + " (they do not hold every " + singular(f.Refers) +
		" of the service; pass --complete if they do)"
}

// singular names one entity of a kind: "backend", "named value".
func singular(k apim.EntityKind) string {
	return strings.TrimSuffix(string(k), "s")
}

// exampleNote prefixes the message of a finding in a file the service
// labels ("example request: …").
func exampleNote(f *Finding, svc *apim.Service) {
	if n := svc.FileNotes[f.Pos.File]; n != "" && !strings.HasPrefix(f.Message, n+": ") {
		f.Message = n + ": " + f.Message
	}
}

// issueSeverity is the severity of findings on load issues of some kinds,
// which differ from their rule's default: an evaluation that fails only
// with default parameters is a warning, an unknown file or an override
// that matches nothing is information. ok is false for every other kind.
func issueSeverity(k apim.IssueKind) (sev Severity, ok bool) {
	switch k {
	case apim.IssueEvalDefaults:
		return Warning, true
	case apim.IssueUnknownFile, apim.IssueUnmatchedOverride:
		return Info, true
	}
	return 0, false
}

// issueLevels maps the position of every load issue whose kind sets a
// severity to that severity, keyed by rule and position.
func issueLevels(svc *apim.Service) map[issueKey]Severity {
	var out map[issueKey]Severity
	for _, is := range svc.Issues {
		if is == nil {
			continue
		}
		if sev, ok := issueSeverity(is.Kind); ok {
			if out == nil {
				out = map[issueKey]Severity{}
			}
			out[issueKey{is.Code, is.Pos.File, is.Pos.Line, is.Pos.Col}] = sev
		}
	}
	return out
}

type issueKey struct {
	code      apim.Code
	file      string
	line, col int
}
