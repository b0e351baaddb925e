package lint

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// InlineSuppression is one `<!-- apimlab-ignore APIMnnn: reason -->`
// comment of a policy document, resolved to the element it precedes.
//
// ScanInline finds them in the policy XML text. The policy parser
// (apim/policy) may hand over its own list through RunOptions.Inline, with
// exact element ranges for policies embedded in JSON.
type InlineSuppression struct {
	// Rule is the suppressed rule ID ("" when the comment names none).
	Rule string
	// Reason is the justification after the colon ("" when missing).
	Reason string
	// Pos is where the comment is written.
	Pos apim.Position
	// Start and End delimit the suppressed element: findings positioned
	// within [Start, End] (by line, then column; End.Col 0 means the end
	// of End.Line) in Start.File are suppressed.
	Start, End apim.Position
}

// covers reports whether the suppression applies to f.
func (s InlineSuppression) covers(f Finding) bool {
	if s.Rule == "" || s.Reason == "" || !strings.EqualFold(s.Rule, f.Rule) {
		return false
	}
	if filepath.Clean(s.Start.File) != filepath.Clean(f.Pos.File) {
		return false
	}
	end := s.End
	if end.Col == 0 {
		end.Col = int(^uint(0) >> 1)
	}
	if end.Line == 0 {
		end = apim.Position{Line: s.Start.Line, Col: end.Col}
	}
	return posLE(s.Start, f.Pos) && posLE(f.Pos, end)
}

var ruleIDRe = regexp.MustCompile(`^APIM\d{3}$`)

// validInline splits inline suppressions into usable ones and findings for
// malformed ones (no reason, no rule ID, bad rule ID).
func validInline(list []InlineSuppression) (ok []InlineSuppression, bad []Finding) {
	for _, s := range list {
		var problem string
		switch {
		case s.Rule == "":
			problem = "names no rule ID (write <!-- apimlab-ignore APIMnnn: reason -->)"
		case !ruleIDRe.MatchString(strings.ToUpper(s.Rule)):
			problem = fmt.Sprintf("names %q, which is not a rule ID (APIMnnn)", s.Rule)
		case strings.TrimSpace(s.Reason) == "":
			problem = fmt.Sprintf("for %s gives no reason after a colon; a reason is mandatory", s.Rule)
		default:
			ok = append(ok, s)
			continue
		}
		bad = append(bad, Finding{
			Rule:     SuppressionInvalid.ID,
			Name:     SuppressionInvalid.Name,
			Severity: SuppressionInvalid.Severity,
			Pos:      s.Pos,
			Subject:  Subject{Kind: "suppression", Name: s.Rule},
			Message:  "apimlab-ignore comment " + problem + "; it suppresses nothing",
		})
	}
	return ok, bad
}

// ignoreMarker starts an inline suppression comment.
const ignoreMarker = "apimlab-ignore"

// ScanInline finds the inline suppression comments of every policy
// document of svc. For a policy file the suppressed range is the element
// after the comment (its start tag to its end tag). For a policy embedded
// in a JSON string, whose positions all fall on the string's line, the
// range is that whole line: the comment suppresses its rule for the whole
// embedded document.
func ScanInline(svc *apim.Service) []InlineSuppression {
	if svc == nil {
		return nil
	}
	var out []InlineSuppression
	for _, doc := range svc.Policies() {
		if strings.Contains(doc.XML, ignoreMarker) {
			out = append(out, scanDoc(doc)...)
		}
	}
	return out
}

func scanDoc(doc *apim.PolicyDoc) []InlineSuppression {
	x := doc.XML
	var out []InlineSuppression
	for off := 0; ; {
		i := strings.Index(x[off:], "<!--")
		if i < 0 {
			break
		}
		start := off + i
		j := strings.Index(x[start+4:], "-->")
		if j < 0 {
			break
		}
		end := start + 4 + j + 3
		off = end
		body := strings.TrimSpace(x[start+4 : end-3])
		if !strings.HasPrefix(body, ignoreMarker) {
			continue
		}
		ids, reason, _ := strings.Cut(strings.TrimSpace(body[len(ignoreMarker):]), ":")
		pos := docPos(doc, start)
		elStart, elEnd := nextElement(x, end)
		var from, to apim.Position
		switch {
		case doc.Embedded:
			from = apim.Position{File: doc.Pos.File, Line: doc.Pos.Line, Col: 1}
			to = apim.Position{File: doc.Pos.File, Line: doc.Pos.Line}
		case elStart < 0:
			from, to = pos, pos // nothing follows: suppresses nothing useful
		default:
			from, to = docPos(doc, elStart), docPos(doc, elEnd)
		}
		fields := strings.FieldsFunc(ids, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		if len(fields) == 0 {
			fields = []string{""}
		}
		for _, id := range fields {
			out = append(out, InlineSuppression{Rule: strings.ToUpper(id), Reason: strings.TrimSpace(reason), Pos: pos, Start: from, End: to})
		}
	}
	return out
}

// docPos maps a byte offset of doc.XML to a file position. Embedded
// documents map to the JSON string's position.
func docPos(doc *apim.PolicyDoc, off int) apim.Position {
	if doc.Embedded {
		return doc.Pos
	}
	line, col := 1, 1
	for i := 0; i < off && i < len(doc.XML); i++ {
		if doc.XML[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	base := doc.Pos
	if !base.IsValid() {
		base.Line, base.Col = 1, 1
	}
	p := apim.Position{File: base.File, Line: base.Line + line - 1, Col: col}
	if line == 1 {
		p.Col = base.Col + col - 1
	}
	return p
}

// nextElement finds the first element start tag at or after off and the
// offset of the last byte of its end (its end tag, or "/>"). Policy XML
// text can hold C# generics ("As<JObject>()"), so only tags with the
// element's own name are counted. It returns -1, -1 when there is none.
func nextElement(x string, off int) (start, end int) {
	start = -1
	for i := off; i < len(x)-1; i++ {
		if x[i] != '<' {
			continue
		}
		if strings.HasPrefix(x[i:], "<!--") {
			k := strings.Index(x[i:], "-->")
			if k < 0 {
				return -1, -1
			}
			i += k + 2
			continue
		}
		if c := x[i+1]; isNameStart(c) {
			start = i
			break
		}
	}
	if start < 0 {
		return -1, -1
	}
	n := start + 1
	for n < len(x) && isNameChar(x[n]) {
		n++
	}
	name := x[start+1 : n]
	depth := 0
	for i := start; i < len(x); i++ {
		if x[i] != '<' {
			continue
		}
		closing := strings.HasPrefix(x[i+1:], "/"+name)
		opening := strings.HasPrefix(x[i+1:], name)
		if !closing && !opening {
			continue
		}
		k := i + 1 + len(name)
		if closing {
			k++
		}
		if k < len(x) && isNameChar(x[k]) {
			continue // a longer name with the same prefix
		}
		gt := tagEnd(x, k)
		if gt < 0 {
			return start, len(x) - 1
		}
		switch {
		case closing:
			depth--
		case x[gt-1] != '/':
			depth++
		}
		if depth == 0 {
			return start, gt
		}
		i = gt
	}
	return start, len(x) - 1
}

// tagEnd returns the offset of the '>' closing the tag whose name ends at
// k, skipping quoted attribute values.
func tagEnd(x string, k int) int {
	var quote byte
	for i := k; i < len(x); i++ {
		switch c := x[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

func isNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isNameChar(c byte) bool {
	return isNameStart(c) || c == '-' || c == '.' || c == ':' || c >= '0' && c <= '9'
}
