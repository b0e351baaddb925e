package policyexpr

import (
	"strconv"
	"strings"
)

// kind is the static C# type of a checked expression.
type kind uint8

const (
	kInvalid     kind = iota
	kString           // System.String (null modelled as "")
	kChar             // System.Char, carried as a one-character string
	kInt              // System.Int32 and the other integer types
	kDouble           // System.Double, Single, Decimal
	kBool             // System.Boolean
	kObject           // System.Object: a dynamically typed value
	kNull             // the null literal
	kStringArray      // System.String[]
	kDateTime         // System.DateTime (time.Time, UTC)
	kTimeSpan         // System.TimeSpan (time.Duration)
	kGuid             // System.Guid, carried as its "D" string
	kRandom           // System.Random; its state lives in Context.Rand
	kEnum             // a StringComparison or StringSplitOptions constant
	kNav              // a context object (IRequest, IUrl, …); nav names it
	kStatic           // a type name used for static access; nav names it
	kNamespace        // a namespace prefix such as System.Text
)

// ctype is a static type: a kind plus, for kNav/kStatic/kNamespace/kEnum,
// the C# name.
type ctype struct {
	k   kind
	nav string
}

var (
	tyString   = ctype{k: kString}
	tyChar     = ctype{k: kChar}
	tyInt      = ctype{k: kInt}
	tyDouble   = ctype{k: kDouble}
	tyBool     = ctype{k: kBool}
	tyObject   = ctype{k: kObject}
	tyNull     = ctype{k: kNull}
	tyStrArr   = ctype{k: kStringArray}
	tyDateTime = ctype{k: kDateTime}
	tyTimeSpan = ctype{k: kTimeSpan}
	tyGuid     = ctype{k: kGuid}
	tyRandom   = ctype{k: kRandom}
)

func navType(name string) ctype { return ctype{k: kNav, nav: name} }

// String names the type as C# does, for messages and Program.ResultType.
func (t ctype) String() string {
	switch t.k {
	case kString:
		return "string"
	case kChar:
		return "char"
	case kInt:
		return "int"
	case kDouble:
		return "double"
	case kBool:
		return "bool"
	case kObject:
		return "object"
	case kNull:
		return "null"
	case kStringArray:
		return "string[]"
	case kDateTime:
		return "DateTime"
	case kTimeSpan:
		return "TimeSpan"
	case kGuid:
		return "Guid"
	case kRandom:
		return "Random"
	case kEnum, kNav, kStatic, kNamespace:
		return t.nav
	}
	return "invalid"
}

func (t ctype) numeric() bool { return t.k == kInt || t.k == kDouble }

// val is a checked expression: its static type and the expr-lang code that
// computes it. str holds the value of a constant string; enum the member
// name of an enum constant.
type val struct {
	t    ctype
	code string
	str  *string
	enum string
}

// quote renders s as an expr-lang string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && !strconv.IsPrint(r):
			if r > 0xffff {
				b.WriteString(`\U` + leftPad(strconv.FormatInt(int64(r), 16), 8))
			} else {
				b.WriteString(`\u` + leftPad(strconv.FormatInt(int64(r), 16), 4))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func strVal(s string) val { return val{t: tyString, code: quote(s), str: &s} }

// navMember is a property of a context object: its type and how its code
// derives from the parent's code.
type navMember struct {
	t     ctype
	field string                     // expr field name appended to the parent
	code  func(parent string) string // overrides field when set
}

func f(t ctype, field string) navMember { return navMember{t: t, field: field} }

// navTypes describes the context objects. Dictionary-like objects (IHeaders,
// IQuery, IMatched, IVariables) and IBody are handled by the member checker.
var navTypes = map[string]map[string]navMember{
	"IContext": {
		"Request":      f(navType("IRequest"), "Request"),
		"Response":     f(navType("IResponse"), "Response"),
		"Variables":    f(navType("IVariables"), "Variables"),
		"Deployment":   f(navType("IDeployment"), "Deployment"),
		"LastError":    f(navType("ILastError"), "LastError"),
		"Api":          f(navType("IApi"), "Api"),
		"Operation":    f(navType("IOperation"), "Operation"),
		"Product":      f(navType("IProduct"), "Product"),
		"Subscription": f(navType("ISubscription"), "Subscription"),
		"User":         f(navType("IUser"), "User"),
		"RequestId":    f(tyGuid, "RequestId"),
		"Elapsed":      f(tyTimeSpan, "Elapsed"),
		"Timestamp":    f(tyDateTime, "Timestamp"),
		"Tracing":      f(tyBool, "Tracing"),
	},
	"IRequest": {
		"Method":            f(tyString, "Method"),
		"Url":               f(navType("IUrl"), "Url"),
		"OriginalUrl":       f(navType("IUrl"), "OriginalUrl"),
		"Headers":           f(navType("IHeaders"), "Headers"),
		"IpAddress":         f(tyString, "IpAddress"),
		"MatchedParameters": f(navType("IMatched"), "MatchedParameters"),
		"Body":              {t: navType("IBody"), code: func(p string) string { return p }},
	},
	"IResponse": {
		"StatusCode":   f(tyInt, "StatusCode"),
		"StatusReason": f(tyString, "StatusReason"),
		"Headers":      f(navType("IHeaders"), "Headers"),
		"Body":         {t: navType("IBody"), code: func(p string) string { return p }},
	},
	"IUrl": {
		"Scheme":      f(tyString, "Scheme"),
		"Host":        f(tyString, "Host"),
		"Port":        f(tyInt, "Port"),
		"Path":        f(tyString, "Path"),
		"Query":       f(navType("IQuery"), "RawQuery"),
		"QueryString": {t: tyString, code: func(p string) string { return "csQueryString(" + join(p, "RawQuery") + ")" }},
	},
	"IDeployment": {
		"Region":      f(tyString, "Region"),
		"ServiceName": f(tyString, "ServiceName"),
		"ServiceId":   f(tyString, "ServiceId"),
		"GatewayId":   f(tyString, "GatewayId"),
		"Gateway":     f(navType("IGateway"), "Gateway"),
	},
	"IGateway": {
		"Id":         f(tyString, "Id"),
		"InstanceId": f(tyString, "InstanceId"),
		"IsManaged":  f(tyBool, "IsManaged"),
	},
	"ILastError": {
		"Source":   f(tyString, "Source"),
		"Reason":   f(tyString, "Reason"),
		"Message":  f(tyString, "Message"),
		"Scope":    f(tyString, "Scope"),
		"Section":  f(tyString, "Section"),
		"Path":     f(tyString, "Path"),
		"PolicyId": f(tyString, "PolicyId"),
	},
	"IApi": {
		"Id":                f(tyString, "Id"),
		"Name":              f(tyString, "Name"),
		"Path":              f(tyString, "Path"),
		"Version":           f(tyString, "Version"),
		"Revision":          f(tyString, "Revision"),
		"IsCurrentRevision": f(tyBool, "IsCurrentRevision"),
		"ServiceUrl":        f(navType("IUrl"), "ServiceUrl"),
	},
	"IOperation": {
		"Id":          f(tyString, "Id"),
		"Name":        f(tyString, "Name"),
		"Method":      f(tyString, "Method"),
		"UrlTemplate": f(tyString, "UrlTemplate"),
	},
	"IProduct": {
		"Id":   f(tyString, "Id"),
		"Name": f(tyString, "Name"),
	},
	"ISubscription": {
		"Id":   f(tyString, "Id"),
		"Name": f(tyString, "Name"),
	},
	"IUser": {
		"Id":        f(tyString, "Id"),
		"Email":     f(tyString, "Email"),
		"FirstName": f(tyString, "FirstName"),
		"LastName":  f(tyString, "LastName"),
	},
}

// secretMembers are context members that hold secrets; they are rejected
// with a message saying so.
var secretMembers = map[string]bool{
	"ISubscription.Key": true, "ISubscription.PrimaryKey": true, "ISubscription.SecondaryKey": true,
}

// join appends a field to a parent's code; the root context has code "".
func join(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}

// staticTypes maps the spellings of the supported static types to a
// canonical name.
var staticTypes = map[string]string{
	"string": "string", "String": "string",
	"int": "int", "Int32": "int", "long": "int", "Int64": "int", "short": "int", "Int16": "int",
	"double": "double", "Double": "double", "float": "double", "Single": "double", "decimal": "double", "Decimal": "double",
	"bool": "bool", "Boolean": "bool",
	"object": "object", "Object": "object",
	"char": "char", "Char": "char",
	"Convert": "Convert", "DateTime": "DateTime", "Guid": "Guid", "Math": "Math",
	"TimeSpan": "TimeSpan", "Random": "Random",
	"StringComparison": "StringComparison", "StringSplitOptions": "StringSplitOptions",
}

// namespaces are prefixes that may precede a type name.
var namespaces = map[string]bool{
	"System": true, "System.Text": true, "System.Linq": true, "System.Collections": true,
	"System.Collections.Generic": true, "System.Text.RegularExpressions": true, "System.Xml": true,
	"System.Xml.Linq": true, "System.Net": true, "System.Security": true,
	"System.Security.Cryptography": true, "Newtonsoft": true, "Newtonsoft.Json": true,
	"Newtonsoft.Json.Linq": true, "Microsoft": true,
}

// lookupStatic resolves a (possibly System.-qualified) type name.
func lookupStatic(name string) (string, bool) {
	n, ok := staticTypes[strings.TrimPrefix(name, "System.")]
	if !ok || strings.Count(name, ".") > 1 || strings.Contains(name, ".") && !strings.HasPrefix(name, "System.") {
		return "", false
	}
	return n, true
}

// isInt64Spelling reports a spelling of System.Int64, which the typed
// model (Int32 only) leaves to the interpreter.
func isInt64Spelling(s string) bool {
	switch strings.TrimPrefix(s, "System.") {
	case "long", "Int64", "ulong", "UInt64":
		return true
	}
	return false
}

// typeFromRef maps a declared or cast type to a ctype.
func typeFromRef(t *typeRef) (ctype, bool) {
	if t == nil {
		return ctype{}, false
	}
	if len(t.args) > 0 || t.nullable || isInt64Spelling(t.name) {
		return ctype{}, false
	}
	n, ok := lookupStatic(t.name)
	if !ok {
		return ctype{}, false
	}
	if t.rank == 1 && (n == "string" || n == "char") {
		return tyStrArr, true
	}
	if t.rank > 0 {
		return ctype{}, false
	}
	switch n {
	case "string":
		return tyString, true
	case "int":
		return tyInt, true
	case "double":
		return tyDouble, true
	case "bool":
		return tyBool, true
	case "object":
		return tyObject, true
	case "char":
		return tyChar, true
	case "DateTime":
		return tyDateTime, true
	case "TimeSpan":
		return tyTimeSpan, true
	case "Guid":
		return tyGuid, true
	case "Random":
		return tyRandom, true
	}
	return ctype{}, false
}
