package policy

import (
	"errors"

	"github.com/apimlab/apimlab/apim"
)

// Check parses every policy document of svc and returns the parse errors as
// positioned *apim.Error values (code APIM901). JSON values without XML (a
// linked policy or an unresolved value, already reported by the loader)
// are skipped; an empty policy file is an error, as Azure rejects it. `apimlab inspect` uses it to refuse malformed policies.
func Check(svc *apim.Service) []*apim.Error {
	var out []*apim.Error
	for _, d := range svc.Policies() {
		if d.XML == "" && d.Embedded {
			continue // a linked or unresolved value: no text to check
		}
		if _, err := Parse(d); err != nil {
			var ae *apim.Error
			if !errors.As(err, &ae) {
				ae = apim.Errorf(d.Pos, CodeMalformed, "%v", err)
			}
			out = append(out, ae)
		}
	}
	return out
}
