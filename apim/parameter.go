package apim

import "strings"

// TemplateParameter is a parameter an ARM template declares, with the
// value in effect when apimlab resolved it: the parameters file's value,
// else the declared defaultValue. Rules use it to show where a value that
// came from a parameter is written (a secret in a plain string parameter's
// default is in source control), without reading the files again.
type TemplateParameter struct {
	// File is the template that declares the parameter.
	File string
	// Name is the parameter's name as declared.
	Name string
	// Type is the declared type as written ("string", "secureString"…).
	Type string
	// Secure is set for secureString and secureObject parameters.
	Secure bool
	// Value is the string value in effect, as written; HasValue is false
	// when the value is not a string, a Key Vault reference, absent, or
	// the parameter is secure (its value is a secret the model does not
	// repeat here).
	Value    string
	HasValue bool
	// ValuePos is where Value is written: in the parameters file, or at
	// the template's defaultValue.
	ValuePos Position
}

// Parameter returns the parameter name (case-insensitive, as ARM matches
// names) declared by template file, or nil.
func (svc *Service) Parameter(file, name string) *TemplateParameter {
	for _, p := range svc.Parameters {
		if p.File == file && strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}
