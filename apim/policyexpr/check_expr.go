package policyexpr

import (
	"math"
	"strconv"
	"strings"
)

// maxSteps bounds the translation work of one expression; blocks whose
// if-statements fall through duplicate the statements that follow them.
const maxSteps = 20000

// local is a C# local variable: its current expr-lang name and type, and the
// block depth that declared it.
type local struct {
	code  string
	t     ctype
	depth int
}

// scope is the set of visible locals; it is copied on change so branches of
// an if-statement cannot see each other's assignments.
type scope struct {
	vars  map[string]local
	depth int
}

func (s scope) with(name string, l local) scope {
	m := make(map[string]local, len(s.vars)+1)
	for k, v := range s.vars {
		m[k] = v
	}
	m[name] = l
	return scope{vars: m, depth: s.depth}
}

// exit drops the locals declared deeper than depth.
func (s scope) exit(depth int) scope {
	m := make(map[string]local, len(s.vars))
	for k, v := range s.vars {
		if v.depth <= depth {
			m[k] = v
		}
	}
	return scope{vars: m, depth: depth}
}

func (s scope) enter() scope { return scope{vars: s.vars, depth: s.depth + 1} }

// checker types C# nodes and emits expr-lang code.
type checker struct {
	src      string
	sc       scope
	names    int
	steps    int
	retTypes []ctype
}

func (c *checker) fresh(name string) string {
	c.names++
	ascii := true
	for _, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			ascii = false
		}
	}
	if ascii && name != "" {
		return "v" + strconv.Itoa(c.names) + "_" + name
	}
	return "v" + strconv.Itoa(c.names)
}

func (c *checker) step(off int) error {
	c.steps++
	if c.steps > maxSteps {
		return unsupported(off, "expression too complex to translate")
	}
	return nil
}

// expr checks one expression node.
func (c *checker) expr(e cexpr) (val, error) {
	if err := c.step(e.offset()); err != nil {
		return val{}, err
	}
	switch e := e.(type) {
	case *litExpr:
		return c.literal(e)
	case *interpExpr:
		return c.interp(e)
	case *identExpr:
		return c.ident(e)
	case *memberExpr:
		return c.member(e)
	case *callExpr:
		return c.call(e)
	case *indexExpr:
		return c.index(e)
	case *unaryExpr:
		return c.unary(e)
	case *binaryExpr:
		return c.binary(e)
	case *condExpr:
		return c.conditional(e)
	case *castExpr:
		return c.cast(e)
	case *asExpr:
		return c.as(e)
	case *newExpr:
		return c.newObj(e)
	case *assignExpr:
		return val{}, unsupported(e.off, "assignment inside an expression")
	case *namedValueExpr:
		return val{}, unsupported(e.off, "unresolved named value {{%s}}", e.name)
	}
	return val{}, syntaxErr(e.offset(), "unexpected expression")
}

// value checks e and rejects results that are not values (types, namespaces).
func (c *checker) value(e cexpr) (val, error) {
	v, err := c.expr(e)
	if err != nil {
		return v, err
	}
	switch v.t.k {
	case kStatic, kNamespace:
		return v, typeErr(e.offset(), "'%s' is a type, not a value", v.t.nav)
	case kEnum:
		return v, unsupported(e.offset(), "%s value outside a string method argument", v.t.nav)
	case kNav:
		if v.t.nav == "IBody" {
			return v, unsupported(e.offset(), "message body used without As<string>()")
		}
		if v.code == "" {
			v.code = "$env"
		}
	}
	return v, nil
}

func (c *checker) literal(e *litExpr) (val, error) {
	switch e.kind {
	case tInt:
		n, err := strconv.ParseInt(e.val, 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(e.val, 0, 64)
			if uerr != nil {
				return val{}, syntaxErr(e.off, "integer literal %s out of range", e.val)
			}
			n = int64(u)
		}
		if n > math.MaxInt32 || n < 0 {
			// C# types such a literal as long/uint/ulong; the emulator
			// models every integer as Int32 (see docs/semantics.md).
			return val{}, unsupported(e.off, "integer literal %s outside the Int32 range", e.val)
		}
		return val{t: tyInt, code: paren(strconv.FormatInt(n, 10))}, nil
	case tReal:
		fv, err := strconv.ParseFloat(e.val, 64)
		if err != nil || math.IsInf(fv, 0) {
			return val{}, syntaxErr(e.off, "real literal %s out of range", e.val)
		}
		return val{t: tyDouble, code: floatLit(fv)}, nil
	case tString:
		return strVal(e.val), nil
	case tChar:
		return val{t: tyChar, code: quote(e.val), str: &e.val}, nil
	}
	switch e.val {
	case "true", "false":
		return val{t: tyBool, code: e.val}, nil
	}
	return val{t: tyNull, code: "nil"}, nil
}

// paren wraps negative numeric literals so they compose safely.
func paren(s string) string {
	if strings.HasPrefix(s, "-") {
		return "(" + s + ")"
	}
	return s
}

func floatLit(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return paren(s)
}

func (c *checker) interp(e *interpExpr) (val, error) {
	var parts []string
	for _, p := range e.parts {
		if !p.hole {
			parts = append(parts, quote(p.lit))
			continue
		}
		v, err := c.value(p.x)
		if err != nil {
			return val{}, err
		}
		parts = append(parts, stringify(v))
	}
	if len(parts) == 0 {
		return strVal(""), nil
	}
	return val{t: tyString, code: "(" + strings.Join(parts, " + ") + ")"}, nil
}

// stringify converts a value to string code the way C# string
// concatenation does (ToString(), null as "").
func stringify(v val) string {
	switch v.t.k {
	case kString, kChar, kGuid:
		return v.code
	case kNull:
		return `""`
	case kInt:
		return "string(" + v.code + ")"
	case kDateTime:
		return "csDateStr(" + v.code + `, "")`
	case kNav:
		if v.t.nav == "IUrl" {
			return "csUrlStr(" + v.code + ")"
		}
	}
	return "csStr(" + v.code + ")"
}

func (c *checker) ident(e *identExpr) (val, error) {
	if l, ok := c.sc.vars[e.name]; ok {
		return val{t: l.t, code: l.code}, nil
	}
	if e.name == "context" {
		return val{t: navType("IContext"), code: ""}, nil
	}
	if n, ok := lookupStatic(e.name); ok {
		return val{t: ctype{k: kStatic, nav: n}}, nil
	}
	if namespaces[e.name] {
		return val{t: ctype{k: kNamespace, nav: e.name}}, nil
	}
	if knownTypes[e.name] {
		return val{}, unsupported(e.off, "type %s", e.name)
	}
	if r := e.name[0]; r >= 'a' && r <= 'z' || r == '_' {
		// Lower-case names are locals by C# convention: an undefined one is
		// the C# compiler's CS0103, not a missing .NET type.
		return val{}, typeErr(e.off, "the name '%s' does not exist in the current context", e.name)
	}
	return val{}, unsupported(e.off, "identifier %s (not a local, context, or a supported type)", e.name)
}

// knownTypes are .NET types APIM allows in expressions that the emulator
// does not model; naming them gives a clearer message than "identifier".
var knownTypes = map[string]bool{
	"JObject": true, "JArray": true, "JToken": true, "JValue": true, "JProperty": true, "JsonConvert": true,
	"Regex": true, "Match": true, "Encoding": true, "Uri": true, "UriBuilder": true, "XElement": true,
	"XDocument": true, "XmlNode": true, "Jwt": true, "Enumerable": true, "List": true, "Dictionary": true,
	"HashSet": true, "BitConverter": true, "HttpUtility": true, "WebUtility": true, "Array": true,
	"Tuple": true, "Byte": true, "DateTimeOffset": true, "StringBuilder": true, "IResponse": true,
	"IRequest": true, "IMessageBody": true, "SHA256": true, "HMACSHA256": true, "MD5": true,
	"X509Certificate2": true, "CultureInfo": true, "NumberStyles": true, "TimeZoneInfo": true,
	"KeyValuePair": true, "Environment": true,
}

func (c *checker) conditional(e *condExpr) (val, error) {
	cv, err := c.value(e.c)
	if err != nil {
		return val{}, err
	}
	if cv.t.k != kBool {
		return val{}, typeErr(e.c.offset(), "condition of ?: must be bool, not %s", cv.t)
	}
	a, err := c.value(e.a)
	if err != nil {
		return val{}, err
	}
	b, err := c.value(e.b)
	if err != nil {
		return val{}, err
	}
	t, ok := unify(a.t, b.t)
	if !ok {
		return val{}, typeErr(e.off, "type of conditional expression cannot be determined: no conversion between %s and %s", a.t, b.t)
	}
	ac, _ := convert(a, t)
	bc, _ := convert(b, t)
	return val{t: t, code: "(" + cv.code + " ? " + ac + " : " + bc + ")"}, nil
}

// unify finds the common type of two branches of ?: (C# rules for the
// subset: identical, numeric widening, null with a reference type).
func unify(a, b ctype) (ctype, bool) {
	switch {
	case a == b:
		return a, true
	case a.numeric() && b.numeric():
		return tyDouble, true
	case a.k == kNull && nullable(b):
		return b, true
	case b.k == kNull && nullable(a):
		return a, true
	case a.k == kObject && b.k != kNav || b.k == kObject && a.k != kNav:
		return tyObject, true
	}
	return ctype{}, false
}

func nullable(t ctype) bool {
	return t.k == kString || t.k == kObject || t.k == kStringArray || t.k == kNull
}

// convert returns v's code converted implicitly to type t, or false when C#
// has no implicit conversion.
func convert(v val, t ctype) (string, bool) {
	switch {
	case v.t == t:
		return v.code, true
	case t.k == kDouble && v.t.k == kInt:
		return "float(" + v.code + ")", true
	case v.t.k == kNull && t.k == kString:
		return `""`, true
	case v.t.k == kNull && nullable(t):
		return "nil", true
	case t.k == kObject && v.t.k != kNav && v.t.k != kRandom && v.t.k != kStatic && v.t.k != kNamespace && v.t.k != kEnum:
		return v.code, true
	}
	return "", false
}

// coerce is convert with a positioned type error.
func (c *checker) coerce(v val, t ctype, off int, what string) (string, error) {
	code, ok := convert(v, t)
	if !ok {
		return "", typeErr(off, "cannot convert %s to %s in %s", v.t, t, what)
	}
	return code, nil
}
