package policy

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ValueKind classifies an attribute value (or element text).
type ValueKind int

// The value kinds.
const (
	// Literal is a plain value, usable as written.
	Literal ValueKind = iota
	// Expression is a policy expression, known only at request time.
	Expression
	// NamedValue holds a {{name}} reference, resolved by the gateway from
	// the service's named values.
	NamedValue
	// Placeholder is a deploy-time template placeholder ("{retry_count}",
	// "{backend-id}") that a deployment script replaces before the policy
	// reaches Azure; it is not a valid value as written.
	Placeholder
)

func (k ValueKind) String() string {
	switch k {
	case Expression:
		return "policy expression"
	case NamedValue:
		return "named value reference"
	case Placeholder:
		return "deploy-time placeholder"
	}
	return "literal"
}

// Errors returned (wrapped with the attribute and its position) by the
// typed accessors.
var (
	ErrExpression  = errors.New("is a policy expression, known only at request time")
	ErrNamedValue  = errors.New("holds a named value reference, resolved by the gateway")
	ErrPlaceholder = errors.New("is a deploy-time placeholder, replaced before deployment")
	ErrNotNumber   = errors.New("is not a whole number")
	ErrNotBool     = errors.New("is not true or false")
)

// Classify reports what kind of value s is.
func Classify(s string) ValueKind {
	t := strings.TrimSpace(s)
	switch {
	case wholeExpr(t, &segment{}) != nil:
		return Expression
	case len(NamedValueRefs(t)) > 0:
		return NamedValue
	case isPlaceholder(t):
		return Placeholder
	}
	return Literal
}

// isPlaceholder matches "{name}" (single braces, a template variable name).
func isPlaceholder(t string) bool {
	if len(t) < 3 || t[0] != '{' || t[len(t)-1] != '}' || t[1] == '{' {
		return false
	}
	for i := 1; i < len(t)-1; i++ {
		if !isNameByte(t[i]) {
			return false
		}
	}
	return true
}

// Kind classifies the attribute's current value.
func (a *Attr) Kind() ValueKind { return Classify(a.Value) }

// Int returns the value as an integer. A value that is an expression, a
// named value reference or a deploy-time placeholder is an error wrapping
// ErrExpression, ErrNamedValue or ErrPlaceholder; messages quote the value
// as written (Source), never a substituted one.
func (a *Attr) Int() (int, error) {
	if err := a.literal(); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(a.Value))
	if err != nil {
		return 0, a.wrap(ErrNotNumber)
	}
	return n, nil
}

// Bool returns the value as a boolean ("true"/"false", any case, as the
// gateway's parser accepts). Errors as for Int.
func (a *Attr) Bool() (bool, error) {
	if err := a.literal(); err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(a.Value)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, a.wrap(ErrNotBool)
}

func (a *Attr) literal() error {
	switch a.Kind() {
	case Expression:
		return a.wrap(ErrExpression)
	case NamedValue:
		return a.wrap(ErrNamedValue)
	case Placeholder:
		return a.wrap(ErrPlaceholder)
	}
	return nil
}

func (a *Attr) wrap(err error) error {
	return fmt.Errorf("%s: attribute %s=%q %w", a.Pos, a.Name, a.Source, err)
}

// IntAttr returns the named attribute as an integer, def when absent.
func (e *Element) IntAttr(name string, def int) (int, error) {
	a := e.Attr(name)
	if a == nil {
		return def, nil
	}
	return a.Int()
}

// BoolAttr returns the named attribute as a boolean, def when absent.
func (e *Element) BoolAttr(name string, def bool) (bool, error) {
	a := e.Attr(name)
	if a == nil {
		return def, nil
	}
	return a.Bool()
}

// deployToken matches the token styles release pipelines substitute at
// deploy time: Replace Tokens' #{name}#, Azure Pipelines' $(name), shell
// ${name}, __name__, and APIM samples' {name}.
var deployToken = regexp.MustCompile(`#\{[A-Za-z_][\w.-]*\}#|\$\([A-Za-z_][\w.-]*\)|\$\{[A-Za-z_][\w.-]*\}|__[A-Za-z][A-Za-z0-9_]*__|\{[A-Za-z_][\w.-]*\}`)

// HasDeployToken reports whether s contains a deploy-time token anywhere
// ("https://#{host}#/api"): its final value is not known from the file.
// Unlike Classify, it looks inside the value; use it where no APIM
// template syntax can appear (set-backend-service's base-url, backend-id).
func HasDeployToken(s string) bool { return deployToken.MatchString(s) }
