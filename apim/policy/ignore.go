package policy

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// ignoreDirective starts a suppression comment.
const ignoreDirective = "apimlab-ignore"

// parseIgnore reads "apimlab-ignore APIM401, APIM402: reason" from a
// comment body. ok is false when the comment is not a directive.
func parseIgnore(text string, pos apim.Position) (Ignore, bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, ignoreDirective) {
		return Ignore{}, false
	}
	rest := t[len(ignoreDirective):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' && rest[0] != ':' {
		return Ignore{}, false // "apimlab-ignored…" is prose, not a directive
	}
	ids, reason, _ := strings.Cut(rest, ":")
	ig := Ignore{Reason: strings.TrimSpace(reason), Pos: pos}
	ig.IDs = strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	return ig, true
}
