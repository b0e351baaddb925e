package rules

import (
	"regexp"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// Where a value taken from a plain (not secure) ARM template parameter is
// written, for the secret rule (APIM501): the parameter's value in the
// parameters file the loader applied, or its defaultValue in the template.
// The model records both (apim.Service.Parameters); nothing here reads a
// file.

// paramRef matches an ARM value that is exactly one parameter reference.
var paramRef = regexp.MustCompile(`^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$`)

// plainParam returns the name of the plain string parameter f comes from
// directly and where its value is written. ok is false when f is a
// literal, secure, unresolved or computed by more than a parameter
// reference, or when the parameter's value is not the one f holds.
func plainParam(svc *apim.Service, f apim.Field[string]) (name string, src apim.Position, ok bool) {
	if !f.Known() || f.Literal || f.Secure || strings.TrimSpace(f.Value) == "" || f.Pos.File == "" {
		return "", src, false
	}
	m := paramRef.FindStringSubmatch(strings.TrimSpace(f.Expr()))
	if m == nil {
		return "", src, false
	}
	p := svc.Parameter(f.Pos.File, m[1])
	if p == nil || !strings.EqualFold(p.Type, "string") {
		return "", src, false // secureString is fine; objects are not this rule's
	}
	if !p.HasValue || p.Value != f.Value {
		return "", src, false
	}
	return p.Name, p.ValuePos, true
}

// apiVersionLess orders API versions: by date, a preview before the
// release of the same date.
func apiVersionLess(a, b string) bool {
	da, db := strings.TrimSuffix(strings.ToLower(a), "-preview"), strings.TrimSuffix(strings.ToLower(b), "-preview")
	if da != db {
		return da < db
	}
	return strings.HasSuffix(strings.ToLower(a), "-preview") && !strings.HasSuffix(strings.ToLower(b), "-preview")
}
