package arm

import (
	"fmt"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// ParseParametersFile reads a deployment parameters file
// ({"parameters": {"x": {"value": ...}}}). A Key Vault reference
// ({"reference": {"keyVault": {...}, "secretName": ...}}) becomes an Unknown
// value with Origin Reference and Reason "Key Vault reference ...", since the
// secret is only read at deployment. Parameter values are not expressions;
// they are kept as written. Errors are *apim.Error values (code APIM901)
// naming file:line:col.
func ParseParametersFile(file string, data []byte) (Params, error) {
	root, err := jsontree.Parse(file, data)
	if err != nil {
		return nil, err
	}
	if root.Kind != jsontree.Object {
		return nil, posErr(root, "invalid parameters file: top level must be an object, not %s", root.Kind)
	}
	ps := root.Get("parameters")
	if ps == nil {
		// Some tools write the bare map {"x": {"value": ...}}.
		ps = root
	}
	if ps.Kind != jsontree.Object {
		return nil, posErr(ps, "invalid parameters file: \"parameters\" must be an object, not %s", ps.Kind)
	}
	out := make(Params, len(ps.Members()))
	for _, m := range ps.Members() {
		if ps == root && (m.Key == "$schema" || m.Key == "contentVersion") {
			continue
		}
		switch {
		case m.Value.Kind != jsontree.Object:
			return nil, posErr(m.Value, "invalid parameters file: parameter %q must be an object with \"value\" or \"reference\"", m.Key)
		case m.Value.Get("value") != nil:
			out[m.Key] = m.Value.Get("value")
		case m.Value.Get("reference") != nil:
			out[m.Key] = keyVaultRef(m.Value)
		default:
			return nil, posErr(m.Value, "invalid parameters file: parameter %q has neither \"value\" nor \"reference\"", m.Key)
		}
	}
	return out, nil
}

func posErr(v *jsontree.Value, format string, args ...any) error {
	return apim.Errorf(v.Position(), apim.Malformed, format, args...)
}

// keyVaultRef turns {"reference": {"keyVault": {"id": ...}, "secretName": ...}}
// into an Unknown value with Origin Reference.
func keyVaultRef(p *jsontree.Value) *jsontree.Value {
	ref := p.Get("reference")
	reason := "Key Vault reference"
	if name := ref.Get("secretName").Text(); name != "" {
		reason = fmt.Sprintf("Key Vault reference (secret %q)", name)
	}
	return (&jsontree.Value{Kind: jsontree.Unknown, Origin: jsontree.Reference, Pos: p.Pos}).SetReason(reason)
}
