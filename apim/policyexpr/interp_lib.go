package policyexpr

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var errCrypto = errors.New("CryptographicException")

func (c char) String() string { return string(rune(c)) }

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// argAt returns args[i] or nil.
func argAt(args []any, i int) any {
	if i < len(args) {
		return unwrapJ(args[i])
	}
	return nil
}

// rawArg returns args[i] (not unwrapped) or nil.
func rawArg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// argsFrom returns args[i:], or nil when there are fewer arguments.
func argsFrom(args []any, i int) []any {
	if i < len(args) {
		return args[i:]
	}
	return nil
}

func argString(args []any, i int) (string, error) {
	switch s := argAt(args, i).(type) {
	case string:
		return s, nil
	case nil:
		return "", nil
	case char:
		return string(rune(s)), nil
	}
	return "", castError(argAt(args, i), "System.String")
}

func argInt32(args []any, i int) (int, error) {
	switch n := argAt(args, i).(type) {
	case int:
		return n, nil
	case int16:
		return int(n), nil
	case char:
		return int(n), nil
	case int64:
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), nil
		}
	}
	return 0, castError(argAt(args, i), "System.Int32")
}

func argFloat(args []any, i int) (float64, error) {
	v := argAt(args, i)
	if numKind(v) > 0 {
		return toF64(v), nil
	}
	return 0, castError(v, "System.Double")
}

func argBytes(args []any, i int) ([]byte, error) {
	switch b := argAt(args, i).(type) {
	case []byte:
		return b, nil
	case nil:
		return nil, fmt.Errorf("%w: Value cannot be null", errArgument)
	}
	return nil, castError(argAt(args, i), "System.Byte[]")
}

func argLambda(args []any, i int) (*ilambda, error) {
	if l, ok := argAt(args, i).(*ilambda); ok {
		return l, nil
	}
	return nil, fmt.Errorf("%w: expected a lambda argument", errNotSupported)
}

// comparisonOf reads an optional StringComparison argument.
func comparisonOf(args []any, i int) (ignoreCase bool, ok bool) {
	if e, isEnum := argAt(args, i).(enumVal); isEnum && e.typ == "StringComparison" {
		return strings.HasSuffix(e.name, "IgnoreCase"), true
	}
	if b, isBool := argAt(args, i).(bool); isBool {
		return b, true
	}
	return false, false
}

// callMethod calls recv.name(args). outs receives the values of out
// arguments, in order.
func callMethod(fr *iframe, recv any, name string, typeArgs []string, args []any, named []string, nOut int, off int) (any, []any, error) {
	switch x := recv.(type) {
	case typeVal:
		return callStatic(fr, x.name, name, typeArgs, args, nOut)
	case string:
		switch name {
		case "TryParseJwt", "TryParseBasic":
			return callStatic(fr, "ExpressionSyntaxExtensions", name, nil, []any{x}, nOut)
		}
		if v, ok, err := stringMethod(fr, x, name, args); ok || err != nil {
			return v, nil, err
		}
	case nil:
		switch name {
		case "AsJwt", "AsBasic":
			return nil, nil, nil
		case "TryParseJwt", "TryParseBasic":
			return false, []any{nil}, nil
		}
	case *ClientCertificate:
		if v, ok := certificateMethod(x, name); ok {
			return v, nil, nil
		}
	case *bodyVal:
		return bodyMethod(x, name, typeArgs, args, named)
	case http.Header, queryDict, map[string]string, varsDict, *Jwt, *dict:
		if v, outs, ok, err := dictMethod(recv, name, typeArgs, args, nOut); ok || err != nil {
			return v, outs, err
		}
	case *jObject, *jArray, *jValue, *jProp:
		if v, outs, ok, err := jMethod(recv, name, typeArgs, args, nOut); ok || err != nil {
			return v, outs, err
		}
	case *xDoc, *xElem:
		if v, ok, err := xmlMethod(recv, name, args); ok || err != nil {
			return v, nil, err
		}
	case []byte:
		switch name {
		case "Encrypt", "Decrypt":
			v, err := aesCrypt(x, name == "Encrypt", args)
			return v, nil, err
		}
	case *hashAlg:
		switch name {
		case "ComputeHash":
			b, err := argBytes(args, 0)
			if err != nil {
				return nil, nil, err
			}
			return x.sum(b), nil, nil
		case "Dispose", "Clear", "Initialize":
			return nil, nil, nil
		}
	case *list:
		if v, ok, err := listMethod(x, name, args); ok || err != nil {
			return v, nil, err
		}
	case *sbVal:
		switch name {
		case "Append":
			x.b.WriteString(netString(argAt(args, 0)))
			if x.b.Len() > maxStringBytes {
				return nil, nil, fmt.Errorf("%w: StringBuilder beyond the emulator's 16 MiB limit", errTooLarge)
			}
			return x, nil, nil
		case "AppendLine":
			x.b.WriteString(netString(argAt(args, 0)) + "\r\n")
			return x, nil, nil
		case "ToString":
			return x.b.String(), nil, nil
		}
	case time.Time:
		if v, ok, err := dateMethod(fr, x, name, args); ok || err != nil {
			return v, nil, err
		}
	case dto:
		if v, ok, err := dtoMethod(x, name, args); ok || err != nil {
			return v, nil, err
		}
	case time.Duration:
		if name == "ToString" {
			return formatTimeSpan(x), nil, nil
		}
	case guid:
		switch name {
		case "ToString":
			f, _ := argString(args, 0)
			return formatGuid(string(x), f), nil, nil
		case "ToByteArray":
			return guidBytes(string(x)), nil, nil
		}
	case *matchVal:
		if name == "NextMatch" {
			return x.next(), nil, nil
		}
	case *regexVal:
		if v, ok, err := regexMethod(x, name, args); ok || err != nil {
			return v, nil, err
		}
	case *uriVal:
		if name == "GetLeftPart" {
			if e, ok := argAt(args, 0).(enumVal); ok {
				u := *x.u
				switch e.name {
				case "Scheme":
					return u.Scheme + "://", nil, nil
				case "Authority":
					return u.Scheme + "://" + u.Host, nil, nil
				case "Path":
					return u.Scheme + "://" + u.Host + u.EscapedPath(), nil, nil
				case "Query":
					u.Fragment = ""
					return u.String(), nil, nil
				}
			}
		}
	case *Context:
		return nil, nil, fmt.Errorf("%w: context.%s()", errNotSupported, name)
	case encVal:
		switch name {
		case "GetBytes":
			s, err := argString(args, 0)
			if err != nil {
				return nil, nil, err
			}
			return encodeString(x.name, s), nil, nil
		case "GetString":
			b, err := argBytes(args, 0)
			if err != nil {
				return nil, nil, err
			}
			return decodeBytes(x.name, b), nil, nil
		}
	case randVal:
		switch name {
		case "Next":
			lo, hi := 0, math.MaxInt32
			var err error
			switch len(args) {
			case 1:
				hi, err = argInt32(args, 0)
			case 2:
				if lo, err = argInt32(args, 0); err == nil {
					hi, err = argInt32(args, 1)
				}
			}
			if err != nil {
				return nil, nil, err
			}
			v, err := randNext(fr.ctx, lo, hi)
			return v, nil, err
		case "NextDouble":
			return fr.ctx.float64(), nil, nil
		}
	}
	// Methods every object has, then LINQ over enumerables.
	switch name {
	case "ToString":
		if len(args) == 0 {
			return netString(recv), nil, nil
		}
		if v, ok, err := formatNumber(recv, args); ok || err != nil {
			return v, nil, err
		}
	case "Equals":
		return valuesEqual(recv, argAt(args, 0)), nil, nil
	case "GetType":
		return dotnetTypeName(recv), nil, nil
	case "CompareTo":
		a := argAt(args, 0)
		if numKind(recv) > 0 && numKind(a) > 0 {
			if numKind(recv) == 3 || numKind(a) == 3 {
				x, y := toF64(recv), toF64(a)
				switch {
				case x < y:
					return -1, nil, nil
				case x > y:
					return 1, nil, nil
				}
				return 0, nil, nil
			}
			return cmpInt(toI64(recv), toI64(a)), nil, nil
		}
		if c, ok := compareTimes(recv, a); ok {
			return c, nil, nil
		}
	}
	if _, err := enumerate(recv); err == nil {
		if v, ok, err := linq(fr, recv, name, typeArgs, args); ok || err != nil {
			return v, nil, err
		}
	}
	return nil, nil, fmt.Errorf("%w: method %s.%s is not emulated", errNotSupported, dotnetTypeName(recv), name)
}

// formatNumber is int/double.ToString(format) for the common formats.
func formatNumber(v any, args []any) (any, bool, error) {
	f, err := argString(args, 0)
	if err != nil {
		return nil, false, nil
	}
	switch n := unwrapJ(v).(type) {
	case int, int64, int16:
		i := toI64(n)
		switch {
		case f == "" || f == "G" || f == "D" || f == "d":
			return strconv.FormatInt(i, 10), true, nil
		case f == "X" || f == "x":
			s := strconv.FormatUint(uint64(uint32(i)), 16)
			if _, ok := n.(int64); ok {
				s = strconv.FormatUint(uint64(i), 16)
			}
			if f == "X" {
				s = strings.ToUpper(s)
			}
			return s, true, nil
		case len(f) > 1 && (f[0] == 'D' || f[0] == 'd' || f[0] == 'X' || f[0] == 'x'):
			w, err := strconv.Atoi(f[1:])
			if err != nil {
				return nil, true, fmt.Errorf("%w: Format specifier was invalid", errFormat)
			}
			var s string
			if f[0] == 'D' || f[0] == 'd' {
				s = strconv.FormatInt(i, 10)
			} else {
				s = strconv.FormatUint(uint64(uint32(i)), 16)
				if f[0] == 'X' {
					s = strings.ToUpper(s)
				}
			}
			for len(s) < w {
				s = "0" + s
			}
			return s, true, nil
		}
	case float64:
		if len(f) >= 1 && (f[0] == 'F' || f[0] == 'f' || f[0] == 'N' || f[0] == 'n') {
			p := 2
			if len(f) > 1 {
				if q, err := strconv.Atoi(f[1:]); err == nil {
					p = q
				}
			}
			s := strconv.FormatFloat(n, 'f', p, 64)
			return s, true, nil
		}
		if f == "" || f == "G" || f == "R" {
			return formatDouble(n), true, nil
		}
	}
	return nil, false, nil
}

func stringMethod(fr *iframe, s, name string, args []any) (any, bool, error) {
	switch name {
	case "ToString", "Trim", "TrimStart", "TrimEnd":
		if name == "ToString" {
			return s, true, nil
		}
		var cut func(rune) bool = unicode.IsSpace
		if len(args) > 0 {
			var set []string
			for i := range args {
				if c, ok := argAt(args, i).(char); ok {
					set = append(set, string(rune(c)))
				} else if arr, ok := argAt(args, i).([]any); ok {
					for _, e := range arr {
						if c, ok := e.(char); ok {
							set = append(set, string(rune(c)))
						}
					}
				}
			}
			cut = trimSet(set)
		}
		switch name {
		case "Trim":
			return strings.TrimFunc(s, cut), true, nil
		case "TrimStart":
			return strings.TrimLeftFunc(s, cut), true, nil
		}
		return strings.TrimRightFunc(s, cut), true, nil
	case "ToLower", "ToLowerInvariant":
		return strings.ToLower(s), true, nil
	case "ToUpper", "ToUpperInvariant":
		return strings.ToUpper(s), true, nil
	case "Contains", "StartsWith", "EndsWith", "IndexOf", "LastIndexOf", "Equals":
		if name != "IndexOf" && name != "LastIndexOf" || len(args) == 1 || len(args) == 2 {
			sub, err := argString(args, 0)
			if err != nil {
				return nil, true, err
			}
			ic, _ := comparisonOf(args, 1)
			a, b := s, sub
			if ic {
				a, b = strings.ToLower(a), strings.ToLower(b)
			}
			switch name {
			case "Contains":
				return strings.Contains(a, b), true, nil
			case "StartsWith":
				return strings.HasPrefix(a, b), true, nil
			case "EndsWith":
				return strings.HasSuffix(a, b), true, nil
			case "Equals":
				if _, isStr := argAt(args, 0).(string); !isStr && argAt(args, 0) != nil {
					return false, true, nil
				}
				return a == b, true, nil
			case "IndexOf":
				if n, ok := argAt(args, 1).(int); ok {
					if n < 0 || n > utf16Len(s) {
						return nil, true, fmt.Errorf("%w: startIndex", errArgRange)
					}
					i := strings.Index(a[byteOffset(a, n):], b)
					if i < 0 {
						return -1, true, nil
					}
					return utf16Index(a, byteOffset(a, n)+i), true, nil
				}
				i := strings.Index(a, b)
				if i < 0 {
					return -1, true, nil
				}
				return utf16Index(a, i), true, nil
			}
			i := strings.LastIndex(a, b)
			if i < 0 {
				return -1, true, nil
			}
			return utf16Index(a, i), true, nil
		}
	case "Substring":
		start, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		n := utf16Len(s) - start
		if len(args) > 1 {
			if n, err = argInt32(args, 1); err != nil {
				return nil, true, err
			}
		}
		v, err := substring(s, start, n)
		return v, true, err
	case "Replace":
		old, err := argString(args, 0)
		if err != nil {
			return nil, true, err
		}
		nw, err := argString(args, 1)
		if err != nil {
			return nil, true, err
		}
		if old == "" {
			return nil, true, fmt.Errorf("%w: String cannot be of zero length. (Parameter 'oldValue')", errArgument)
		}
		return strings.ReplaceAll(s, old, nw), true, nil
	case "Split":
		var seps []string
		removeEmpty := false
		for i := range args {
			switch a := argAt(args, i).(type) {
			case char:
				seps = append(seps, string(rune(a)))
			case string:
				seps = append(seps, a)
			case []any:
				for _, e := range a {
					seps = append(seps, netString(e))
				}
			case enumVal:
				removeEmpty = a.name == "RemoveEmptyEntries"
			case int:
				return nil, true, fmt.Errorf("%w: Split with a count", errNotSupported)
			}
		}
		return stringsToAny(split(s, seps, removeEmpty)), true, nil
	case "PadLeft", "PadRight":
		w, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		p := " "
		if c, ok := argAt(args, 1).(char); ok {
			p = string(rune(c))
		}
		if w < 0 {
			return nil, true, fmt.Errorf("%w: totalWidth", errArgRange)
		}
		if n := w - utf16Len(s); n > 0 {
			if n*len(p) > maxStringBytes {
				return nil, true, fmt.Errorf("%w: padding beyond the emulator's 16 MiB string limit", errTooLarge)
			}
			if name == "PadLeft" {
				s = strings.Repeat(p, n) + s
			} else {
				s += strings.Repeat(p, n)
			}
		}
		return s, true, nil
	case "ToCharArray":
		out := make([]any, 0, len(s))
		for _, r := range s {
			out = append(out, char(r))
		}
		return out, true, nil
	case "Insert":
		i, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		ins, _ := argString(args, 1)
		if i < 0 || i > utf16Len(s) {
			return nil, true, fmt.Errorf("%w: startIndex", errArgRange)
		}
		b := byteOffset(s, i)
		return s[:b] + ins + s[b:], true, nil
	case "Remove":
		i, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		n := utf16Len(s) - i
		if len(args) > 1 {
			if n, err = argInt32(args, 1); err != nil {
				return nil, true, err
			}
		}
		if i < 0 || n < 0 || i+n > utf16Len(s) {
			return nil, true, fmt.Errorf("%w: startIndex", errArgRange)
		}
		return s[:byteOffset(s, i)] + s[byteOffset(s, i+n):], true, nil
	case "AsJwt":
		j, err := parseJwt(s)
		if err != nil {
			return nil, true, nil
		}
		return j, true, nil
	case "AsBasic":
		b := parseBasic(s)
		if b == nil {
			return nil, true, nil
		}
		return b, true, nil
	case "CompareTo":
		o, _ := argString(args, 0)
		return strings.Compare(s, o), true, nil
	}
	return nil, false, nil
}

// byteOffset converts a UTF-16 index to a byte offset (clamped).
func byteOffset(s string, i int) int {
	n := 0
	for b, r := range s {
		if n >= i {
			return b
		}
		n++
		if r > 0xffff {
			n++
		}
	}
	return len(s)
}

func bodyMethod(b *bodyVal, name string, typeArgs []string, args []any, named []string) (any, []any, error) {
	read := func() (string, error) {
		if b.fn == nil {
			return "", nil
		}
		s, err := b.fn()
		if err == nil {
			consumeUnlessPreserved(b.consume, argAt(args, 0))
		}
		return s, err
	}
	switch name {
	case "As":
		t := "string"
		if len(typeArgs) == 1 {
			t = typeArgs[0]
		}
		s, err := read()
		if err != nil {
			return nil, nil, err
		}
		switch t {
		case "string":
			return s, nil, nil
		case "JObject", "JToken", "JArray":
			v, err := parseJSON(s)
			if err != nil {
				return nil, nil, err
			}
			if t != "JToken" && jTypeName(v) != t {
				return nil, nil, fmt.Errorf("%w: Error reading %s from JsonReader. Current JsonReader item is not an object", errJSONReader, t)
			}
			return v, nil, nil
		case "byte[]":
			return []byte(s), nil, nil
		case "XDocument", "XElement":
			root, err := parseXML(s)
			if err != nil {
				return nil, nil, err
			}
			if t == "XDocument" {
				return &xDoc{root: root}, nil, nil
			}
			return root, nil, nil
		}
		return nil, nil, fmt.Errorf("%w: Body.As<%s>()", errNotSupported, t)
	case "AsFormUrlEncodedContent":
		s, err := read()
		if err != nil {
			return nil, nil, err
		}
		vals, err := url.ParseQuery(s)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: malformed form body", errFormat)
		}
		d := newDict()
		for _, pair := range strings.Split(s, "&") {
			k, _, _ := strings.Cut(pair, "=")
			k, _ = url.QueryUnescape(k)
			if _, ok := d.vals[k]; !ok && k != "" {
				d.set(k, stringsToAny(vals[k]))
			}
		}
		return d, nil, nil
	}
	return nil, nil, fmt.Errorf("%w: IMessageBody.%s", errNotSupported, name)
}

// dictMethod implements the dictionary-like context members and
// Dictionary<K,V>.
func dictMethod(recv any, name string, typeArgs []string, args []any, nOut int) (any, []any, bool, error) {
	key := argAt(args, 0)
	ks, _ := key.(string)
	lookup := func() (any, bool) {
		switch x := recv.(type) {
		case http.Header:
			v, ok := headerValues(x, ks)
			return v, ok
		case queryDict:
			v, ok := queryValues(x.raw, ks)
			return v, ok
		case map[string]string:
			return matchedValue(x, ks)
		case varsDict:
			v, ok := x.m[ks]
			return importValue(v), ok
		case *Jwt:
			v, ok := x.Claims[ks]
			return v, ok
		case *dict:
			v, ok := x.vals[key]
			return v, ok
		}
		return nil, false
	}
	switch name {
	case "ContainsKey":
		_, ok := lookup()
		return ok, nil, true, nil
	case "GetValueOrDefault":
		v, ok := lookup()
		switch x := recv.(type) {
		case http.Header, queryDict, *Jwt:
			if !ok {
				if len(args) > 1 {
					return argAt(args, 1), nil, true, nil
				}
				return nil, nil, true, nil
			}
			return strings.Join(v.([]string), ","), nil, true, nil
		case varsDict:
			if !ok {
				if len(args) > 1 {
					return args[1], nil, true, nil
				}
				if len(typeArgs) == 1 {
					return zeroValue(typeArgs[0]), nil, true, nil
				}
				return nil, nil, true, nil
			}
			if len(typeArgs) == 1 {
				r, err := varCast(v, typeArgs[0])
				return r, nil, true, err
			}
			return v, nil, true, nil
		case *dict:
			_ = x
		}
		if !ok {
			return argAt(args, 1), nil, true, nil
		}
		return v, nil, true, nil
	case "TryGetValue":
		v, ok := lookup()
		if nOut != 1 {
			return nil, nil, true, fmt.Errorf("%w: TryGetValue needs an out argument", errArgument)
		}
		if !ok {
			return false, []any{nil}, true, nil
		}
		if ss, isSS := v.([]string); isSS {
			return true, []any{stringsToAny(ss)}, true, nil
		}
		return true, []any{v}, true, nil
	}
	if d, ok := recv.(*dict); ok {
		switch name {
		case "Add":
			if _, dup := d.vals[key]; dup {
				return nil, nil, true, fmt.Errorf("%w: An item with the same key has already been added. Key: %s", errArgument, netString(key))
			}
			d.set(key, argAt(args, 1))
			return nil, nil, true, nil
		case "Remove":
			if _, ok := d.vals[key]; !ok {
				return false, nil, true, nil
			}
			delete(d.vals, key)
			for i, k := range d.keys {
				if k == key {
					d.keys = append(d.keys[:i:i], d.keys[i+1:]...)
					break
				}
			}
			return true, nil, true, nil
		case "ContainsValue":
			for _, v := range d.vals {
				if valuesEqual(v, key) {
					return true, nil, true, nil
				}
			}
			return false, nil, true, nil
		}
	}
	return nil, nil, false, nil
}

// varCast is the conversion of Variables.GetValueOrDefault<T>: a cast of
// the stored object.
func varCast(v any, t string) (any, error) {
	switch t {
	case "JObject", "JArray", "JToken":
		return jConvert(v, t)
	}
	return castTo(v, t)
}

func jMethod(recv any, name string, typeArgs []string, args []any, nOut int) (any, []any, bool, error) {
	switch name {
	case "ToString":
		if len(args) == 0 {
			return netString(recv), nil, true, nil
		}
		if e, ok := argAt(args, 0).(enumVal); ok && e.typ == "Formatting" {
			if jv, ok := recv.(*jValue); ok {
				return netString(jv), nil, true, nil
			}
			return jsonText(recv, e.name == "Indented"), nil, true, nil
		}
	case "Value", "ToObject":
		t := "object"
		if len(typeArgs) == 1 {
			t = typeArgs[len(typeArgs)-1]
		}
		target := recv
		if len(args) == 1 {
			k, err := getIndex(recv, args)
			if err != nil {
				return nil, nil, true, err
			}
			if k == nil {
				return zeroValue(t), nil, true, nil
			}
			target = k
		}
		if t == "object" {
			if jv, ok := target.(*jValue); ok {
				return unwrapJ(jv), nil, true, nil
			}
			return target, nil, true, nil
		}
		if t == "string[]" || t == "List" || t == "int[]" {
			items, err := enumerate(target)
			if err != nil {
				return nil, nil, true, err
			}
			out := make([]any, len(items))
			for i, it := range items {
				elem := strings.TrimSuffix(t, "[]")
				if t == "List" {
					elem = "object"
				}
				if out[i], err = jConvert(it, elem); err != nil {
					return nil, nil, true, err
				}
			}
			return out, nil, true, nil
		}
		if (t == "JObject" || t == "JArray") && name == "ToObject" {
			v, err := jConvert(target, t)
			if err == nil {
				v = cloneJ(v)
			}
			return v, nil, true, err
		}
		v, err := jConvert(target, t)
		return v, nil, true, err
	case "SelectToken":
		p, err := argString(args, 0)
		if err != nil {
			return nil, nil, true, err
		}
		v, err := selectToken(recv, p)
		return v, nil, true, err
	case "DeepClone":
		return cloneJ(recv), nil, true, nil
	case "Children", "Values", "Properties":
		items, err := enumerate(recv)
		if err != nil {
			return nil, nil, true, err
		}
		if name == "Values" {
			if o, ok := recv.(*jObject); ok {
				out := make([]any, len(o.keys))
				for i, k := range o.keys {
					out[i] = o.vals[k]
				}
				return out, nil, true, nil
			}
		}
		return append([]any(nil), items...), nil, true, nil
	}
	switch x := recv.(type) {
	case *jProp:
		if name == "Remove" {
			if x.parent == nil {
				return nil, nil, true, fmt.Errorf("%w: The parent is missing", errInvalidOp)
			}
			x.parent.remove(x.name)
			x.parent = nil
			return nil, nil, true, nil
		}
	case *jObject:
		switch name {
		case "GetValue", "Property":
			k, err := argString(args, 0)
			if err != nil {
				return nil, nil, true, err
			}
			v, ok := x.get(k)
			if !ok && len(args) > 1 {
				if e, isE := argAt(args, 1).(enumVal); isE && strings.HasSuffix(e.name, "IgnoreCase") {
					for _, kk := range x.keys {
						if strings.EqualFold(kk, k) {
							v, ok = x.vals[kk], true
							k = kk
							break
						}
					}
				}
			}
			if !ok {
				return nil, nil, true, nil
			}
			if name == "Property" {
				return &jProp{name: k, val: v, parent: x}, nil, true, nil
			}
			return v, nil, true, nil
		case "TryGetValue":
			k, _ := argString(args, 0)
			v, ok := x.get(k)
			return ok, []any{v}, true, nil
		case "ContainsKey":
			k, _ := argString(args, 0)
			_, ok := x.get(k)
			return ok, nil, true, nil
		case "Remove":
			k, _ := argString(args, 0)
			return x.remove(k), nil, true, nil
		case "Add":
			if p, ok := argAt(args, 0).(*jProp); ok && len(args) == 1 {
				if _, dup := x.get(p.name); dup {
					return nil, nil, true, fmt.Errorf("%w: Can not add property %s to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object", errArgument, p.name)
				}
				x.set(p.name, p.val)
				return nil, nil, true, nil
			}
			k, err := argString(args, 0)
			if err != nil {
				return nil, nil, true, err
			}
			if _, dup := x.get(k); dup {
				return nil, nil, true, fmt.Errorf("%w: Can not add property %s to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object", errArgument, k)
			}
			t, err := toJToken(argAt(args, 1))
			if err != nil {
				return nil, nil, true, err
			}
			x.set(k, t)
			return nil, nil, true, nil
		case "Merge":
			src, ok := argAt(args, 0).(*jObject)
			if !ok {
				return nil, nil, true, fmt.Errorf("%w: JObject.Merge of a non-object", errNotSupported)
			}
			for _, k := range src.keys {
				x.set(k, cloneJ(src.vals[k]))
			}
			return nil, nil, true, nil
		}
	case *jArray:
		switch name {
		case "Add":
			t, err := toJToken(argAt(args, 0))
			if err != nil {
				return nil, nil, true, err
			}
			x.items = append(x.items, t)
			return nil, nil, true, nil
		case "Insert":
			i, err := argInt32(args, 0)
			if err != nil {
				return nil, nil, true, err
			}
			if i < 0 || i > len(x.items) {
				return nil, nil, true, fmt.Errorf("%w: Index must be within the bounds of the List", errArgRange)
			}
			t, err := toJToken(argAt(args, 1))
			if err != nil {
				return nil, nil, true, err
			}
			x.items = append(x.items[:i], append([]any{t}, x.items[i:]...)...)
			return nil, nil, true, nil
		case "RemoveAt":
			i, err := argInt32(args, 0)
			if err != nil {
				return nil, nil, true, err
			}
			if i < 0 || i >= len(x.items) {
				return nil, nil, true, fmt.Errorf("%w: Index is equal to or greater than Count", errArgRange)
			}
			x.items = append(x.items[:i:i], x.items[i+1:]...)
			return nil, nil, true, nil
		case "Remove":
			for i, it := range x.items {
				if it == rawArg(args, 0) {
					x.items = append(x.items[:i:i], x.items[i+1:]...)
					return true, nil, true, nil
				}
			}
			return false, nil, true, nil
		case "Clear":
			x.items = nil
			return nil, nil, true, nil
		case "IndexOf":
			for i, it := range x.items {
				if it == rawArg(args, 0) {
					return i, nil, true, nil
				}
			}
			return -1, nil, true, nil
		}
	}
	return nil, nil, false, nil
}

func listMethod(l *list, name string, args []any) (any, bool, error) {
	switch name {
	case "Add":
		if l.set {
			for _, it := range l.items {
				if valuesEqual(it, argAt(args, 0)) {
					return false, true, nil
				}
			}
			l.items = append(l.items, rawArg(args, 0))
			return true, true, nil
		}
		l.items = append(l.items, rawArg(args, 0))
		return nil, true, nil
	case "AddRange":
		items, err := enumerate(argAt(args, 0))
		if err != nil {
			return nil, true, err
		}
		l.items = append(l.items, items...)
		return nil, true, nil
	case "Clear":
		l.items = nil
		return nil, true, nil
	case "Remove":
		for i, it := range l.items {
			if valuesEqual(it, argAt(args, 0)) {
				l.items = append(l.items[:i:i], l.items[i+1:]...)
				return true, true, nil
			}
		}
		return false, true, nil
	case "RemoveAt":
		i, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		if i < 0 || i >= len(l.items) {
			return nil, true, fmt.Errorf("%w: Index was out of range", errArgRange)
		}
		l.items = append(l.items[:i:i], l.items[i+1:]...)
		return nil, true, nil
	case "Insert":
		i, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		if i < 0 || i > len(l.items) {
			return nil, true, fmt.Errorf("%w: Index must be within the bounds of the List", errArgRange)
		}
		l.items = append(l.items[:i], append([]any{argAt(args, 1)}, l.items[i:]...)...)
		return nil, true, nil
	case "IndexOf":
		for i, it := range l.items {
			if valuesEqual(it, argAt(args, 0)) {
				return i, true, nil
			}
		}
		return -1, true, nil
	case "Sort":
		items := append([]any(nil), l.items...)
		if err := sortValues(items, nil, false); err != nil {
			return nil, true, err
		}
		l.items = items
		return nil, true, nil
	case "Reverse":
		for i, j := 0, len(l.items)-1; i < j; i, j = i+1, j-1 {
			l.items[i], l.items[j] = l.items[j], l.items[i]
		}
		return nil, true, nil
	}
	return nil, false, nil
}

func dateMethod(fr *iframe, t time.Time, name string, args []any) (any, bool, error) {
	add := func(d time.Duration) (any, bool, error) { return t.Add(d), true, nil }
	switch name {
	case "ToString":
		f, _ := argString(args, 0)
		if f == "" {
			f = "G"
		}
		return formatDateTime(t, f), true, nil
	case "AddSeconds", "AddMinutes", "AddHours", "AddDays", "AddMilliseconds":
		f, err := argFloat(args, 0)
		if err != nil {
			return nil, true, err
		}
		unit := map[string]time.Duration{"AddSeconds": time.Second, "AddMinutes": time.Minute, "AddHours": time.Hour,
			"AddDays": 24 * time.Hour, "AddMilliseconds": time.Millisecond}[name]
		return add(time.Duration(math.Round(f*float64(unit)/float64(time.Millisecond))) * time.Millisecond)
	case "AddTicks":
		n, _ := argInt32(args, 0)
		return add(time.Duration(n) * 100)
	case "AddMonths":
		n, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		return addMonths(t, n), true, nil
	case "AddYears":
		n, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		return addMonths(t, 12*n), true, nil
	case "Add":
		if d, ok := argAt(args, 0).(time.Duration); ok {
			return add(d)
		}
	case "Subtract":
		switch x := argAt(args, 0).(type) {
		case time.Duration:
			return add(-x)
		case time.Time:
			return t.Sub(x), true, nil
		}
	case "ToUniversalTime", "ToLocalTime":
		return t, true, nil
	case "ToUnixTimeSeconds":
		return t.Unix(), true, nil
	}
	return nil, false, nil
}

// addMonths is DateTime.AddMonths: the day is clamped to the month's end.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	ny := y + total/12
	nm := total % 12
	if nm < 0 {
		nm += 12
		ny--
	}
	last := time.Date(ny, time.Month(nm+2), 0, 0, 0, 0, 0, time.UTC).Day()
	if d > last {
		d = last
	}
	return time.Date(ny, time.Month(nm+1), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func dtoMethod(d dto, name string, args []any) (any, bool, error) {
	switch name {
	case "ToUnixTimeSeconds":
		return d.t.Unix(), true, nil
	case "ToUnixTimeMilliseconds":
		return d.t.UnixMilli(), true, nil
	case "ToString":
		f, _ := argString(args, 0)
		if f == "" {
			return d.String(), true, nil
		}
		return formatDateTime(d.t, f), true, nil
	case "ToUniversalTime", "ToLocalTime":
		return d, true, nil
	}
	v, ok, err := dateMethod(nil, d.t, name, args)
	if t, isT := v.(time.Time); isT {
		return dto{t}, ok, err
	}
	return v, ok, err
}

func (m *matchVal) next() *matchVal {
	if !m.success() {
		return m
	}
	start := m.idx[1]
	if m.idx[1] == m.idx[0] {
		if start >= len(m.src) {
			return &matchVal{re: m.re, src: m.src}
		}
		_, w := utf8.DecodeRuneInString(m.src[start:])
		start += w
	}
	loc := m.re.FindStringSubmatchIndex(m.src[start:])
	if loc == nil {
		return &matchVal{re: m.re, src: m.src}
	}
	for i := range loc {
		if loc[i] >= 0 {
			loc[i] += start
		}
	}
	return &matchVal{re: m.re, src: m.src, idx: loc}
}

func regexMethod(r *regexVal, name string, args []any) (any, bool, error) {
	s, err := argString(args, 0)
	if err != nil {
		return nil, true, err
	}
	switch name {
	case "IsMatch":
		return r.re.MatchString(s), true, nil
	case "Match":
		return &matchVal{re: r.re, src: s, idx: r.re.FindStringSubmatchIndex(s)}, true, nil
	case "Matches":
		var out []any
		for _, loc := range r.re.FindAllStringSubmatchIndex(s, -1) {
			out = append(out, &matchVal{re: r.re, src: s, idx: loc})
		}
		return out, true, nil
	case "Replace":
		rep, err := argString(args, 1)
		if err != nil {
			return nil, true, err
		}
		return r.re.ReplaceAllString(s, dotnetReplacement(rep)), true, nil
	case "Split":
		return stringsToAny(r.re.Split(s, -1)), true, nil
	}
	return nil, false, nil
}

// dotnetReplacement converts .NET's $1 / ${name} replacement syntax to
// Go's (${1}), and $$ to a literal dollar.
func dotnetReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch n := s[i+1]; {
		case n == '$':
			b.WriteString("$$")
			i++
		case n >= '0' && n <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		case n == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.WriteString("$$")
				continue
			}
			b.WriteString(s[i : i+end+1])
			i += end
		default:
			b.WriteString("$$")
		}
	}
	return b.String()
}

// compileRegex translates the .NET pattern features policies use to RE2:
// named groups (?<name>…) become (?P<name>…). Lookarounds and
// backreferences, which RE2 lacks, are reported as unsupported.
func compileRegex(pattern string, opts []any) (*regexVal, error) {
	p := pattern
	flags := ""
	for _, o := range opts {
		if e, ok := o.(enumVal); ok && e.typ == "RegexOptions" {
			switch e.name {
			case "IgnoreCase":
				flags += "i"
			case "Multiline":
				flags += "m"
			case "Singleline":
				flags += "s"
			}
		}
	}
	p = strings.ReplaceAll(p, "(?<", "(?P<")
	p = strings.ReplaceAll(p, "(?P<=", "(?<=")
	p = strings.ReplaceAll(p, "(?P<!", "(?<!")
	if flags != "" {
		p = "(?" + flags + ")" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("%w: regular expression %q uses a construct RE2 does not support (lookaround, backreference): %v", errNotSupported, pattern, err)
	}
	return &regexVal{re: re}, nil
}

// sum computes the hash or HMAC of b.
func (h *hashAlg) sum(b []byte) []byte {
	var f func() hash.Hash
	switch h.name {
	case "MD5", "HMACMD5":
		f = md5.New
	case "SHA1", "HMACSHA1":
		f = sha1.New
	case "SHA384", "HMACSHA384":
		f = sha512.New384
	case "SHA512", "HMACSHA512":
		f = sha512.New
	default:
		f = sha256.New
	}
	var w hash.Hash
	if strings.HasPrefix(h.name, "HMAC") {
		w = hmac.New(f, h.key)
	} else {
		w = f()
	}
	w.Write(b)
	return w.Sum(nil)
}

// aesCrypt is APIM's byte[].Encrypt/Decrypt(alg, key, iv) extension for
// "Aes": CBC with PKCS7 padding, .NET's SymmetricAlgorithm defaults.
func aesCrypt(data []byte, encrypt bool, args []any) ([]byte, error) {
	alg, _ := argString(args, 0)
	if !strings.EqualFold(alg, "Aes") && !strings.EqualFold(alg, "Rijndael") {
		return nil, fmt.Errorf("%w: algorithm %q (only Aes is emulated)", errNotSupported, alg)
	}
	key, err := argBytes(args, 1)
	if err != nil {
		return nil, err
	}
	iv, err := argBytes(args, 2)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: Specified key is not a valid size for this algorithm", errCrypto)
	}
	if len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("%w: Specified initialization vector (IV) does not match the block size for this algorithm", errCrypto)
	}
	if encrypt {
		pad := aes.BlockSize - len(data)%aes.BlockSize
		buf := append(append([]byte(nil), data...), make([]byte, pad)...)
		for i := len(data); i < len(buf); i++ {
			buf[i] = byte(pad)
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
		return buf, nil
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: The input data is not a complete block", errCrypto)
	}
	buf := append([]byte(nil), data...)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(buf, buf)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > aes.BlockSize || pad > len(buf) {
		return nil, fmt.Errorf("%w: Padding is invalid and cannot be removed", errCrypto)
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: Padding is invalid and cannot be removed", errCrypto)
		}
	}
	return buf[:len(buf)-pad], nil
}

// parseJwt decodes a JWT (optionally prefixed by "Bearer ") without
// validating it, as AsJwt() does; a malformed token yields an error, which
// AsJwt turns into null.
func parseJwt(s string) (*Jwt, error) {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errFormat
	}
	dec := func(p string) (*jObject, error) {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
		if err != nil {
			return nil, err
		}
		v, err := parseJSON(string(b))
		if err != nil {
			return nil, err
		}
		o, ok := v.(*jObject)
		if !ok {
			return nil, errFormat
		}
		return o, nil
	}
	h, err := dec(parts[0])
	if err != nil {
		return nil, err
	}
	pl, err := dec(parts[1])
	if err != nil {
		return nil, err
	}
	j := &Jwt{Claims: make(map[string][]string, len(pl.keys))}
	j.Algorithm = claimString(h.vals["alg"])
	j.Type = claimString(h.vals["typ"])
	for _, k := range pl.keys {
		var vals []string
		if a, ok := pl.vals[k].(*jArray); ok {
			for _, e := range a.items {
				vals = append(vals, claimString(e))
			}
		} else {
			vals = []string{claimString(pl.vals[k])}
		}
		j.Claims[k] = vals
		j.claimOrder = append(j.claimOrder, k)
	}
	j.Id = strings.Join(j.Claims["jti"], ",")
	j.Issuer = strings.Join(j.Claims["iss"], ",")
	j.Subject = strings.Join(j.Claims["sub"], ",")
	j.Audiences = j.Claims["aud"]
	epoch := func(k string) *time.Time {
		v, ok := pl.vals[k].(*jValue)
		if !ok {
			return nil
		}
		n, ok := v.v.(int64)
		if !ok {
			return nil
		}
		t := time.Unix(n, 0).UTC()
		return &t
	}
	j.ExpirationTime, j.NotBefore, j.IssuedAt = epoch("exp"), epoch("nbf"), epoch("iat")
	return j, nil
}

// claimString is a claim's value as the token handler exposes it: strings
// as they are, other values in their JSON form.
func claimString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case *jValue:
		if str, ok := x.v.(string); ok {
			return str
		}
	}
	return jsonText(v, false)
}

// parseBasic decodes "Basic base64(user:password)".
func parseBasic(s string) *BasicAuthCredentials {
	s = strings.TrimSpace(s)
	if len(s) > 6 && strings.EqualFold(s[:6], "basic ") {
		s = strings.TrimSpace(s[6:])
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	u, p, ok := strings.Cut(string(b), ":")
	if !ok {
		return nil
	}
	return &BasicAuthCredentials{UserId: u, Password: p}
}
