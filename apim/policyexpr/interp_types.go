package policyexpr

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// allowedTypes are the .NET types Learn's "Policy expressions" page allows
// (https://learn.microsoft.com/azure/api-management/api-management-policy-expressions,
// section ".NET Framework types allowed in policy expressions"), by short
// name, plus the context types of the "Context variable" section (IResponse,
// Jwt, …) and the C# keyword aliases. Naming any other type is an error at
// load, as Azure rejects the policy on save.
var allowedTypes = map[string]string{
	// Newtonsoft.Json
	"Formatting": "Formatting", "JsonConvert": "JsonConvert", "Extensions": "Extensions",
	"JArray": "JArray", "JConstructor": "JConstructor", "JContainer": "JContainer", "JObject": "JObject",
	"JProperty": "JProperty", "JRaw": "JRaw", "JToken": "JToken", "JTokenType": "JTokenType", "JValue": "JValue",
	"JsonReaderException": "JsonReaderException", "JsonException": "JsonException",
	// System
	"Array": "Array", "BitConverter": "BitConverter", "Boolean": "bool", "bool": "bool", "Byte": "byte", "byte": "byte",
	"Char": "char", "char": "char", "Convert": "Convert", "DateTime": "DateTime", "DateTimeKind": "DateTimeKind",
	"DateTimeOffset": "DateTimeOffset", "Decimal": "decimal", "decimal": "decimal", "Double": "double", "double": "double",
	"Enum": "Enum", "Exception": "Exception", "Guid": "Guid", "Int16": "short", "short": "short", "Int32": "int", "int": "int",
	"Int64": "long", "long": "long", "Math": "Math", "MidpointRounding": "MidpointRounding", "Nullable": "Nullable",
	"Random": "Random", "SByte": "sbyte", "sbyte": "sbyte", "Single": "float", "float": "float", "String": "string",
	"string": "string", "StringComparer": "StringComparer", "StringComparison": "StringComparison",
	"StringSplitOptions": "StringSplitOptions", "TimeSpan": "TimeSpan", "Type": "Type", "UInt16": "ushort", "ushort": "ushort",
	"UInt32": "uint", "uint": "uint", "UInt64": "ulong", "ulong": "ulong", "Uri": "Uri", "UriPartial": "UriPartial",
	"Object": "object", "object": "object", "Tuple": "Tuple", "var": "var", "void": "void",
	"FormatException": "FormatException", "ArgumentException": "ArgumentException", "ArgumentNullException": "ArgumentNullException",
	"ArgumentOutOfRangeException": "ArgumentOutOfRangeException", "InvalidCastException": "InvalidCastException",
	"NullReferenceException": "NullReferenceException", "KeyNotFoundException": "KeyNotFoundException",
	"InvalidOperationException": "InvalidOperationException", "OverflowException": "OverflowException",
	// System.Collections.Generic
	"Dictionary": "Dictionary", "HashSet": "HashSet", "ICollection": "ICollection", "IDictionary": "IDictionary",
	"IEnumerable": "IEnumerable", "IEnumerator": "IEnumerator", "IList": "IList", "IReadOnlyCollection": "IReadOnlyCollection",
	"IReadOnlyDictionary": "IReadOnlyDictionary", "ISet": "ISet", "KeyValuePair": "KeyValuePair", "List": "List",
	"Queue": "Queue", "Stack": "Stack",
	// System.IO, System.Linq, System.Net
	"StringReader": "StringReader", "StringWriter": "StringWriter", "Enumerable": "Enumerable",
	"IPAddress": "IPAddress", "WebUtility": "WebUtility",
	// System.Security.Cryptography
	"AsymmetricAlgorithm": "AsymmetricAlgorithm", "CryptographicException": "CryptographicException",
	"HashAlgorithm": "HashAlgorithm", "HashAlgorithmName": "HashAlgorithmName", "HMAC": "HMAC", "HMACMD5": "HMACMD5",
	"HMACSHA1": "HMACSHA1", "HMACSHA256": "HMACSHA256", "HMACSHA384": "HMACSHA384", "HMACSHA512": "HMACSHA512",
	"KeyedHashAlgorithm": "KeyedHashAlgorithm", "MD5": "MD5", "Oid": "Oid", "PaddingMode": "PaddingMode",
	"RNGCryptoServiceProvider": "RNGCryptoServiceProvider", "RSA": "RSA", "RSAEncryptionPadding": "RSAEncryptionPadding",
	"RSASignaturePadding": "RSASignaturePadding", "SHA1": "SHA1", "SHA1Managed": "SHA1", "SHA256": "SHA256",
	"SHA256Managed": "SHA256", "SHA384": "SHA384", "SHA384Managed": "SHA384", "SHA512": "SHA512", "SHA512Managed": "SHA512",
	"X509Certificate": "X509Certificate", "X509Certificate2": "X509Certificate2",
	// System.Text
	"Encoding": "Encoding", "StringBuilder": "StringBuilder",
	"Capture": "Capture", "CaptureCollection": "CaptureCollection", "Group": "Group", "GroupCollection": "GroupCollection",
	"Match": "Match", "Regex": "Regex", "RegexOptions": "RegexOptions",
	// System.Xml
	"XAttribute": "XAttribute", "XCData": "XCData", "XComment": "XComment", "XContainer": "XContainer",
	"XDeclaration": "XDeclaration", "XDocument": "XDocument", "XElement": "XElement", "XName": "XName",
	"XNamespace": "XNamespace", "XNode": "XNode", "XProcessingInstruction": "XProcessingInstruction", "XText": "XText",
	"XmlNodeType": "XmlNodeType",
	// Context variable types.
	"IResponse": "IResponse", "IRequest": "IRequest", "IMessageBody": "IMessageBody", "IUrl": "IUrl",
	"Jwt": "Jwt", "BasicAuthCredentials": "BasicAuthCredentials", "Authorization": "Authorization", "IProxyRequestContext": "IContext",
	"IContext": "IContext", "ExpressionSyntaxExtensions": "ExpressionSyntaxExtensions",
}

// typeNamespaces are the namespaces of the allowed types; a qualified name
// must use its type's own namespace, but the emulator accepts any of them.
var typeNamespaces = []string{
	"Newtonsoft.Json.Linq.", "Newtonsoft.Json.", "System.Collections.Generic.", "System.Security.Cryptography.",
	"System.Text.RegularExpressions.", "System.Text.", "System.Xml.Linq.", "System.Xml.", "System.Linq.",
	"System.Net.", "System.IO.", "System.",
}

// canonicalType resolves a possibly qualified allowed type name.
func canonicalType(name string) (string, bool) {
	for _, ns := range typeNamespaces {
		if strings.HasPrefix(name, ns) {
			name = strings.TrimPrefix(name, ns)
			break
		}
	}
	n, ok := allowedTypes[name]
	return n, ok
}

func isNamespacePrefix(name string) bool {
	for _, ns := range typeNamespaces {
		if ns == name+"." {
			return true
		}
	}
	return name == "Newtonsoft" || name == "Microsoft" || name == "System.Collections" || name == "System.Security"
}

// disallowedType reports whether an unknown capitalised name looks like a
// .NET type, for a clearer message than "does not exist".
func disallowedType(name string) bool {
	return name != "" && name[0] >= 'A' && name[0] <= 'Z'
}

// typeName resolves a type reference and checks it against the allowed
// list; arrays append "[]".
func (c *icompiler) typeName(t *typeRef) (string, error) {
	n, ok := canonicalType(t.name)
	if !ok {
		return "", typeErr(t.off, "type %s is not allowed in policy expressions (see the allowed types on Learn's \"Policy expressions\" page)", t.name)
	}
	for _, a := range t.args {
		if _, err := c.typeName(a); err != nil {
			return "", err
		}
	}
	for range t.rank {
		n += "[]"
	}
	return n, nil
}

// castTo is (T)v.
func castTo(v any, t string) (any, error) {
	if jv, ok := v.(*jValue); ok {
		return jValueTo(jv, t)
	}
	switch t {
	case "object", "var", "dynamic":
		return v, nil
	case "string":
		switch x := v.(type) {
		case nil, string:
			return v, nil
		case *jValue:
			return jValueTo(x, t)
		case *jObject, *jArray, *jProp:
			return jConvert(x, t)
		}
	case "int", "long", "short", "byte", "sbyte", "uint", "ulong", "ushort", "char":
		return numericCast(v, t)
	case "double", "float", "decimal":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case int16:
			return float64(x), nil
		case char:
			return float64(x), nil
		}
	case "bool":
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case "JToken", "JContainer":
		switch v.(type) {
		case nil, *jObject, *jArray, *jValue, *jProp:
			return v, nil
		}
	default:
		if v == nil || isOfType(v, t) {
			return v, nil
		}
	}
	if v == nil && !isValueType(t) {
		return nil, nil
	}
	return nil, castError(v, dotnetName(t))
}

func isValueType(t string) bool {
	switch t {
	case "int", "long", "short", "byte", "sbyte", "uint", "ulong", "ushort", "char", "double", "float",
		"decimal", "bool", "DateTime", "DateTimeOffset", "TimeSpan", "Guid":
		return true
	}
	return false
}

func dotnetName(t string) string {
	switch t {
	case "int":
		return "System.Int32"
	case "long":
		return "System.Int64"
	case "string":
		return "System.String"
	case "bool":
		return "System.Boolean"
	case "double":
		return "System.Double"
	}
	if strings.HasPrefix(t, "J") {
		return "Newtonsoft.Json.Linq." + t
	}
	return "System." + t
}

// numericCast is an explicit numeric conversion: unboxing for boxed values
// of the same type, truncation for doubles, wrap-around for integers
// (unchecked, C#'s default).
func numericCast(v any, t string) (any, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case int16:
		n = int64(x)
	case char:
		n = int64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			n = math.MinInt64
		} else {
			n = int64(x)
		}
	default:
		return nil, castError(v, dotnetName(t))
	}
	switch t {
	case "int", "uint":
		return int(int32(n)), nil
	case "long", "ulong":
		return n, nil
	case "short", "ushort":
		return int16(n), nil
	case "byte", "sbyte":
		return int(uint8(n)), nil
	case "char":
		return char(uint16(n)), nil
	}
	return nil, castError(v, dotnetName(t))
}

// isOfType is the runtime type test of is/as.
func isOfType(v any, t string) bool {
	switch x := v.(type) {
	case string:
		return t == "string" || t == "object" || t == "IEnumerable"
	case int:
		return t == "int" || t == "object"
	case int64:
		return t == "long" || t == "object"
	case float64:
		return t == "double" || t == "object"
	case bool:
		return t == "bool" || t == "object"
	case *jObject:
		return t == "JObject" || t == "JToken" || t == "JContainer" || t == "object" || t == "IEnumerable"
	case *jArray:
		return t == "JArray" || t == "JToken" || t == "JContainer" || t == "object" || t == "IEnumerable"
	case *jValue:
		return t == "JValue" || t == "JToken" || t == "object"
	case *jProp:
		return t == "JProperty" || t == "JToken" || t == "JContainer" || t == "object"
	case Response, *Response:
		return t == "IResponse" || t == "object"
	case *Jwt:
		return t == "Jwt" || t == "object"
	case *BasicAuthCredentials:
		return t == "BasicAuthCredentials" || t == "object"
	case *Authorization:
		return t == "Authorization" || t == "object"
	case *ClientCertificate:
		return t == "X509Certificate2" || t == "X509Certificate" || t == "object"
	case []any:
		return strings.HasSuffix(t, "[]") || t == "Array" || t == "IEnumerable" || t == "IList" || t == "ICollection" || t == "object"
	case []byte:
		return t == "byte[]" || t == "Array" || t == "IEnumerable" || t == "object"
	case *list:
		return t == "List" || t == "IList" || t == "IEnumerable" || t == "ICollection" || t == "IReadOnlyCollection" || t == "object"
	case *dict:
		return t == "Dictionary" || t == "IDictionary" || t == "IReadOnlyDictionary" || t == "IEnumerable" || t == "object"
	case time.Time:
		return t == "DateTime" || t == "object"
	case dto:
		return t == "DateTimeOffset" || t == "object"
	case time.Duration:
		return t == "TimeSpan" || t == "object"
	case guid:
		return t == "Guid" || t == "object"
	case char:
		return t == "char" || t == "object"
	case *xDoc:
		return t == "XDocument" || t == "XContainer" || t == "XNode" || t == "object"
	case *xElem:
		return t == "XElement" || t == "XContainer" || t == "XNode" || t == "object"
	case *xAttr:
		return t == "XAttribute" || t == "object"
	case *exceptionVal:
		return t == "Exception" || t == x.typ || t == "object"
	case http.Header:
		return t == "IReadOnlyDictionary" || t == "IDictionary" || t == "object"
	}
	return t == "object"
}

// ---- operators ----

// numKind orders the numeric types for C#'s binary numeric promotion.
func numKind(v any) int {
	switch v.(type) {
	case int, int16, char:
		return 1
	case int64:
		return 2
	case float64:
		return 3
	}
	return 0
}

func toI64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int16:
		return int64(x)
	case char:
		return int64(x)
	case int64:
		return x
	}
	return 0
}

func toF64(v any) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return float64(toI64(v))
}

func unwrapJ(v any) any {
	if jv, ok := v.(*jValue); ok {
		switch x := jv.v.(type) {
		case int64:
			if x >= math.MinInt32 && x <= math.MaxInt32 {
				return int(x)
			}
		}
		return jv.v
	}
	return v
}

// maxStringBytes bounds the strings an interpreted expression builds, so a
// loop that doubles a string stops with a runtime error instead of
// exhausting the gateway's memory (.NET would throw OutOfMemoryException
// much later).
const maxStringBytes = 16 << 20

var errTooLarge = errors.New("OutOfMemoryException")

func checkLen(s string) (string, error) {
	if len(s) > maxStringBytes {
		return "", fmt.Errorf("%w: string longer than the emulator's 16 MiB limit", errTooLarge)
	}
	return s, nil
}

func binaryOp(op string, a, b any) (any, error) {
	switch op {
	case "==", "!=":
		eq := valuesEqual(a, b)
		return eq == (op == "=="), nil
	case "+":
		if _, ok := a.(string); ok {
			return checkLen(a.(string) + netString(b))
		}
		if _, ok := b.(string); ok {
			return checkLen(netString(a) + b.(string))
		}
		if t, ok := a.(time.Time); ok {
			if d, ok := b.(time.Duration); ok {
				return t.Add(d), nil
			}
		}
		if d, ok := a.(time.Duration); ok {
			if e, ok := b.(time.Duration); ok {
				return d + e, nil
			}
		}
		if t, ok := a.(dto); ok {
			if d, ok := b.(time.Duration); ok {
				return dto{t.t.Add(d)}, nil
			}
		}
	case "-":
		switch t := a.(type) {
		case time.Time:
			switch u := b.(type) {
			case time.Time:
				return t.Sub(u), nil
			case time.Duration:
				return t.Add(-u), nil
			}
		case dto:
			switch u := b.(type) {
			case dto:
				return t.t.Sub(u.t), nil
			case time.Time:
				return t.t.Sub(u), nil
			case time.Duration:
				return dto{t.t.Add(-u)}, nil
			}
		case time.Duration:
			if u, ok := b.(time.Duration); ok {
				return t - u, nil
			}
		}
	case "<", ">", "<=", ">=":
		if c, ok := compareTimes(a, b); ok {
			return cmpResult(op, c), nil
		}
	case "&", "|", "^":
		if x, ok := a.(bool); ok {
			if y, ok := b.(bool); ok {
				switch op {
				case "&":
					return x && y, nil
				case "|":
					return x || y, nil
				}
				return x != y, nil
			}
		}
	}
	a, b = unwrapJ(a), unwrapJ(b)
	ka, kb := numKind(a), numKind(b)
	if ka == 0 || kb == 0 {
		if a == nil || b == nil {
			if op == "<" || op == ">" || op == "<=" || op == ">=" {
				return false, nil // lifted comparison with null
			}
			return nil, nil // lifted arithmetic with null
		}
		return nil, fmt.Errorf("%w: operator %s cannot be applied to %s and %s", errInvalidCast, op, dotnetTypeName(a), dotnetTypeName(b))
	}
	k := max(ka, kb)
	if k == 3 {
		x, y := toF64(a), toF64(b)
		switch op {
		case "+":
			return x + y, nil
		case "-":
			return x - y, nil
		case "*":
			return x * y, nil
		case "/":
			return x / y, nil
		case "%":
			return math.Mod(x, y), nil
		case "<", ">", "<=", ">=":
			return cmpFloat(op, x, y), nil
		}
		return nil, fmt.Errorf("%w: operator %s on doubles", errInvalidCast, op)
	}
	x, y := toI64(a), toI64(b)
	var r int64
	switch op {
	case "+":
		r = x + y
	case "-":
		r = x - y
	case "*":
		r = x * y
	case "/", "%":
		if y == 0 {
			return nil, fmt.Errorf("%w: Attempted to divide by zero", errDivide)
		}
		if op == "/" {
			r = x / y
		} else {
			r = x % y
		}
	case "&":
		r = x & y
	case "|":
		r = x | y
	case "^":
		r = x ^ y
	case "<<":
		if k == 1 {
			return int(int32(x) << (uint(y) & 31)), nil
		}
		return x << (uint(y) & 63), nil
	case ">>":
		if k == 1 {
			return int(int32(x) >> (uint(y) & 31)), nil
		}
		return x >> (uint(y) & 63), nil
	case "<", ">", "<=", ">=":
		return cmpResult(op, cmpInt(x, y)), nil
	default:
		return nil, fmt.Errorf("%w: operator %s", errInvalidCast, op)
	}
	if k == 1 {
		return int(int32(r)), nil // unchecked Int32 arithmetic wraps
	}
	return r, nil
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func cmpFloat(op string, x, y float64) bool {
	switch op {
	case "<":
		return x < y
	case ">":
		return x > y
	case "<=":
		return x <= y
	}
	return x >= y
}

func cmpResult(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	}
	return c >= 0
}

func compareTimes(a, b any) (int, bool) {
	ta, ok1 := timeOf(a)
	tb, ok2 := timeOf(b)
	if ok1 && ok2 {
		return ta.Compare(tb), true
	}
	da, ok1 := a.(time.Duration)
	db, ok2 := b.(time.Duration)
	if ok1 && ok2 {
		return cmpInt(int64(da), int64(db)), true
	}
	return 0, false
}

func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case dto:
		return t.t, true
	}
	return time.Time{}, false
}

// valuesEqual is C#'s == as the compiler would bind it for the operands'
// runtime types: value equality for strings, numbers, chars, bools and
// dates, reference equality for objects.
func valuesEqual(a, b any) bool {
	if _, ok := a.(nullShort); ok {
		a = nil
	}
	if _, ok := b.(nullShort); ok {
		b = nil
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if numKind(a) > 0 && numKind(b) > 0 {
		if numKind(a) == 3 || numKind(b) == 3 {
			return toF64(a) == toF64(b)
		}
		return toI64(a) == toI64(b)
	}
	if c, ok := compareTimes(a, b); ok {
		return c == 0
	}
	switch x := a.(type) {
	case string, bool, guid:
		return a == b
	case *jObject, *jArray, *jValue, *jProp, *list, *dict, *anonObj, *Jwt, *Response:
		return a == b
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case []byte:
		y, ok := b.([]byte)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	}
	return false
}

func unaryOp(op string, v any) (any, error) {
	v = unwrapJ(v)
	switch op {
	case "!":
		b, err := asBool(v)
		return !b, err
	case "-":
		switch x := v.(type) {
		case int:
			return int(int32(-x)), nil
		case int16, char:
			return int(-toI64(x)), nil
		case int64:
			return -x, nil
		case float64:
			return -x, nil
		case time.Duration:
			return -x, nil
		}
	case "+":
		if numKind(v) > 0 {
			return v, nil
		}
	case "~":
		switch x := v.(type) {
		case int:
			return ^x, nil
		case int64:
			return ^x, nil
		}
	}
	return nil, fmt.Errorf("%w: operator %s cannot be applied to %s", errInvalidCast, op, dotnetTypeName(v))
}
