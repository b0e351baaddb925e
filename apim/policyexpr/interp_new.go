package policyexpr

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"
)

func encodeString(enc, s string) []byte {
	switch enc {
	case "Unicode", "UTF16":
		u := utf16.Encode([]rune(s))
		b := make([]byte, 2*len(u))
		for i, x := range u {
			b[2*i], b[2*i+1] = byte(x), byte(x>>8)
		}
		return b
	case "ASCII", "USASCII":
		b := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0x7f {
				r = '?'
			}
			b = append(b, byte(r))
		}
		return b
	}
	return []byte(s)
}

func decodeBytes(enc string, b []byte) string {
	switch enc {
	case "Unicode", "UTF16":
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return string(utf16.Decode(u))
	case "ASCII", "USASCII":
		r := make([]rune, len(b))
		for i, c := range b {
			if c > 0x7f {
				r[i] = '?'
			} else {
				r[i] = rune(c)
			}
		}
		return string(r)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// newObj compiles new T(args) [initializer].
func (c *icompiler) newObj(e *newExpr, items []initItem) (ifn, error) {
	var tname string
	if e.t != nil {
		n, err := c.typeName(e.t)
		if err != nil {
			return nil, err
		}
		tname = n
	}
	if e.array {
		if len(e.args) == 1 && e.args[0].name == "#size" {
			size, err := c.expr(e.items[0])
			if err != nil {
				return nil, err
			}
			elem := strings.TrimSuffix(tname, "[]")
			return func(fr *iframe) (any, error) {
				v, err := size(fr)
				if err != nil {
					return nil, err
				}
				n, ok := unwrapJ(v).(int)
				if !ok || n < 0 || n > maxLoopSteps {
					return nil, fmt.Errorf("%w: array size", errOverflow)
				}
				if elem == "byte" {
					return make([]byte, n), nil
				}
				out := make([]any, n)
				z := zeroValue(elem)
				for i := range out {
					out[i] = z
				}
				return out, nil
			}, nil
		}
		var fs []ifn
		for _, x := range e.items {
			f, err := c.expr(x)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		elem := strings.TrimSuffix(tname, "[]")
		return func(fr *iframe) (any, error) {
			vals, err := evalAll(fr, fs)
			if err != nil {
				return nil, err
			}
			if elem == "byte" {
				b := make([]byte, len(vals))
				for i, v := range vals {
					n, ok := v.(int)
					if !ok {
						return nil, castError(v, "System.Byte")
					}
					b[i] = byte(n)
				}
				return b, nil
			}
			for i, v := range vals {
				vals[i] = implicitConvert(v, elem)
			}
			return vals, nil
		}, nil
	}
	var args []ifn
	for _, a := range e.args {
		f, err := c.expr(a.x)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	if !constructible[tname] {
		return nil, unsupported(e.off, "new %s(…)", e.t)
	}
	if tname == "Random" && len(args) > 0 {
		return nil, unsupported(e.off, "new Random(seed) (seed the simulator instead)")
	}
	type compiledItem struct {
		member string
		key    ifn
		val    ifn
		vals   []ifn
	}
	var its []compiledItem
	for _, it := range items {
		ci := compiledItem{member: it.member}
		var err error
		if it.key != nil {
			if ci.key, err = c.expr(it.key); err != nil {
				return nil, err
			}
		}
		if it.val != nil {
			if ci.val, err = c.expr(it.val); err != nil {
				return nil, err
			}
		}
		for _, v := range it.vals {
			f, err := c.expr(v)
			if err != nil {
				return nil, err
			}
			ci.vals = append(ci.vals, f)
		}
		if ci.member != "" {
			return nil, unsupported(it.off, "object initializer member %s", it.member)
		}
		its = append(its, ci)
	}
	return func(fr *iframe) (any, error) {
		vals, err := evalAll(fr, args)
		if err != nil {
			return nil, err
		}
		obj, err := construct(fr, tname, vals)
		if err != nil {
			return nil, err
		}
		for _, it := range its {
			if it.key != nil {
				k, err := it.key(fr)
				if err != nil {
					return nil, err
				}
				v, err := it.val(fr)
				if err != nil {
					return nil, err
				}
				if err := setIndex(fr, obj, []any{k}, v); err != nil {
					return nil, err
				}
				continue
			}
			vs, err := evalAll(fr, it.vals)
			if err != nil {
				return nil, err
			}
			if _, _, err := callMethod(fr, obj, "Add", nil, vs, nil, 0, 0); err != nil {
				return nil, err
			}
		}
		return obj, nil
	}, nil
}

var constructible = map[string]bool{
	"JObject": true, "JArray": true, "JProperty": true, "JValue": true, "List": true, "Dictionary": true,
	"HashSet": true, "Queue": true, "Stack": true, "StringBuilder": true, "Random": true, "Uri": true,
	"DateTime": true, "DateTimeOffset": true, "TimeSpan": true, "HMACSHA256": true, "HMACSHA1": true,
	"HMACSHA384": true, "HMACSHA512": true, "HMACMD5": true, "SHA256Managed": true, "Exception": true,
	"Regex": true, "Guid": true, "string": true, "object": true, "FormatException": true,
	"ArgumentException": true, "InvalidOperationException": true, "KeyValuePair": true,
}

func construct(fr *iframe, t string, args []any) (any, error) {
	switch t {
	case "JObject", "JArray":
		var o any
		if t == "JObject" {
			o = newJObject()
		} else {
			o = &jArray{}
		}
		var flat []any
		for _, a := range args {
			if items, ok := a.([]any); ok {
				flat = append(flat, items...)
			} else if l, ok := a.(*list); ok {
				flat = append(flat, l.items...)
			} else {
				flat = append(flat, a)
			}
		}
		if len(args) == 1 {
			if src, ok := args[0].(*jObject); ok && t == "JObject" {
				return cloneJ(src), nil
			}
			if src, ok := args[0].(*jArray); ok && t == "JArray" {
				return cloneJ(src), nil
			}
		}
		for _, a := range flat {
			if t == "JObject" {
				p, ok := a.(*jProp)
				if !ok {
					return nil, fmt.Errorf("%w: Can not add %s to Newtonsoft.Json.Linq.JObject", errArgument, jTypeNameOf(a))
				}
				o.(*jObject).set(p.name, p.val)
				continue
			}
			tok, err := toJToken(a)
			if err != nil {
				return nil, err
			}
			o.(*jArray).items = append(o.(*jArray).items, tok)
		}
		return o, nil
	case "JProperty":
		name, err := argString(args, 0)
		if err != nil {
			return nil, err
		}
		var v any = &jValue{nil}
		if len(args) > 1 {
			if len(args) > 2 {
				a := &jArray{}
				for _, x := range args[1:] {
					tok, err := toJToken(x)
					if err != nil {
						return nil, err
					}
					a.items = append(a.items, tok)
				}
				v = a
			} else if v, err = toJToken(args[1]); err != nil {
				return nil, err
			}
		}
		return &jProp{name: name, val: v}, nil
	case "JValue":
		return toJToken(argAt(args, 0))
	case "List", "HashSet", "Queue", "Stack":
		l := &list{set: t == "HashSet"}
		if len(args) == 1 {
			if items, err := enumerate(args[0]); err == nil {
				for _, it := range items {
					if _, _, err := callMethod(fr, l, "Add", nil, []any{it}, nil, 0, 0); err != nil {
						return nil, err
					}
				}
			}
		}
		return l, nil
	case "Dictionary":
		return newDict(), nil
	case "KeyValuePair":
		return &kvPair{argAt(args, 0), argAt(args, 1)}, nil
	case "StringBuilder":
		sb := &sbVal{}
		if len(args) > 0 {
			if s, ok := args[0].(string); ok {
				sb.b.WriteString(s)
			}
		}
		return sb, nil
	case "Random":
		return randVal{}, nil
	case "Uri":
		s, err := argString(args, 0)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(s)
		if err != nil || !u.IsAbs() && len(args) == 1 {
			return nil, fmt.Errorf("%w: Invalid URI: The format of the URI could not be determined", errFormat)
		}
		if len(args) == 2 {
			rel, err := argString(args, 1)
			if err != nil {
				return nil, err
			}
			r, err := url.Parse(rel)
			if err != nil {
				return nil, fmt.Errorf("%w: Invalid URI", errFormat)
			}
			u = u.ResolveReference(r)
		}
		return &uriVal{u}, nil
	case "DateTime":
		var n [7]int
		if len(args) < 3 || len(args) > 7 {
			return nil, fmt.Errorf("%w: new DateTime with %d arguments", errNotSupported, len(args))
		}
		for i := range args {
			v, err := argInt32(args, i)
			if err != nil {
				if e, ok := argAt(args, i).(enumVal); ok && e.typ == "DateTimeKind" {
					continue
				}
				return nil, err
			}
			n[i] = v
		}
		if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > time.Date(n[0], time.Month(n[1])+1, 0, 0, 0, 0, 0, time.UTC).Day() ||
			n[0] < 1 || n[0] > 9999 || n[3] > 23 || n[4] > 59 || n[5] > 59 || n[3] < 0 || n[4] < 0 || n[5] < 0 {
			return nil, fmt.Errorf("%w: Year, Month, and Day parameters describe an un-representable DateTime", errArgRange)
		}
		return time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], n[6]*1e6, time.UTC), nil
	case "DateTimeOffset":
		if t, ok := argAt(args, 0).(time.Time); ok {
			return dto{t}, nil
		}
		return nil, fmt.Errorf("%w: new DateTimeOffset(%d arguments)", errNotSupported, len(args))
	case "TimeSpan":
		var n []int64
		for i := range args {
			n = append(n, toI64(unwrapJ(args[i])))
		}
		switch len(n) {
		case 1:
			return time.Duration(n[0] * 100), nil
		case 3:
			return time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute + time.Duration(n[2])*time.Second, nil
		case 4, 5:
			d := time.Duration(n[0])*24*time.Hour + time.Duration(n[1])*time.Hour + time.Duration(n[2])*time.Minute + time.Duration(n[3])*time.Second
			if len(n) == 5 {
				d += time.Duration(n[4]) * time.Millisecond
			}
			return d, nil
		}
	case "HMACSHA256", "HMACSHA1", "HMACSHA384", "HMACSHA512", "HMACMD5":
		var key []byte
		if len(args) > 0 {
			b, err := argBytes(args, 0)
			if err != nil {
				return nil, err
			}
			key = b
		}
		return &hashAlg{name: t, key: key}, nil
	case "SHA256Managed":
		return &hashAlg{name: "SHA256"}, nil
	case "Exception", "FormatException", "ArgumentException", "InvalidOperationException":
		msg, _ := argString(args, 0)
		return &exceptionVal{typ: t, msg: msg}, nil
	case "Regex":
		p, err := argString(args, 0)
		if err != nil {
			return nil, err
		}
		return compileRegex(p, argsFrom(args, 1))
	case "Guid":
		s, err := argString(args, 0)
		if err != nil {
			return nil, err
		}
		return parseGuid(s)
	case "string":
		if c, ok := argAt(args, 0).(char); ok {
			n, err := argInt32(args, 1)
			if err != nil || n < 0 || n > maxLoopSteps {
				return nil, fmt.Errorf("%w: count", errArgRange)
			}
			return strings.Repeat(string(rune(c)), n), nil
		}
		items, err := enumerate(argAt(args, 0))
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, it := range items {
			b.WriteString(netString(it))
		}
		return b.String(), nil
	case "object":
		return &anonObj{}, nil
	}
	return nil, fmt.Errorf("%w: new %s(…) with %d arguments", errNotSupported, t, len(args))
}

func jTypeNameOf(v any) string {
	switch v.(type) {
	case *jObject, *jArray, *jValue, *jProp:
		return "Newtonsoft.Json.Linq." + jTypeName(v)
	}
	return dotnetTypeName(v)
}

func predicate(l *ilambda, it any) (bool, error) {
	v, err := l.invoke(it)
	if err != nil {
		return false, err
	}
	return asBool(v)
}

// linq implements System.Linq.Enumerable over any enumerable receiver.
func linq(fr *iframe, recv any, name string, typeArgs []string, args []any) (any, bool, error) {
	items, err := enumerate(recv)
	if err != nil {
		return nil, true, err
	}
	lam := func(i int) *ilambda {
		l, _ := argAt(args, i).(*ilambda)
		return l
	}
	filter := func() ([]any, error) {
		l := lam(0)
		if l == nil {
			return items, nil
		}
		var out []any
		for _, it := range items {
			ok, err := predicate(l, it)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, it)
			}
		}
		return out, nil
	}
	switch name {
	case "Where":
		if lam(0) == nil {
			return nil, true, fmt.Errorf("%w: Where needs a lambda", errArgument)
		}
		out, err := filter()
		if out == nil && err == nil {
			out = []any{}
		}
		return out, true, err
	case "Select", "SelectMany":
		l := lam(0)
		if l == nil {
			return nil, true, fmt.Errorf("%w: %s needs a lambda", errArgument, name)
		}
		out := make([]any, 0, len(items))
		for i, it := range items {
			var v any
			var err error
			if l.n == 2 {
				v, err = l.invoke(it, i)
			} else {
				v, err = l.invoke(it)
			}
			if err != nil {
				return nil, true, err
			}
			if name == "SelectMany" {
				sub, err := enumerate(v)
				if err != nil {
					return nil, true, err
				}
				out = append(out, sub...)
				continue
			}
			out = append(out, v)
		}
		return out, true, nil
	case "Any", "All":
		l := lam(0)
		if l == nil {
			return len(items) > 0, true, nil
		}
		for _, it := range items {
			ok, err := predicate(l, it)
			if err != nil {
				return nil, true, err
			}
			if ok && name == "Any" {
				return true, true, nil
			}
			if !ok && name == "All" {
				return false, true, nil
			}
		}
		return name == "All", true, nil
	case "Count", "LongCount":
		out, err := filter()
		if name == "LongCount" {
			return int64(len(out)), true, err
		}
		return len(out), true, err
	case "First", "FirstOrDefault", "Last", "LastOrDefault", "Single", "SingleOrDefault":
		out, err := filter()
		if err != nil {
			return nil, true, err
		}
		orDefault := strings.HasSuffix(name, "OrDefault")
		switch {
		case len(out) == 0:
			if orDefault {
				return nil, true, nil
			}
			return nil, true, fmt.Errorf("%w: Sequence contains no matching element", errInvalidOp)
		case strings.HasPrefix(name, "Single") && len(out) > 1:
			return nil, true, fmt.Errorf("%w: Sequence contains more than one matching element", errInvalidOp)
		case strings.HasPrefix(name, "Last"):
			return out[len(out)-1], true, nil
		}
		return out[0], true, nil
	case "ElementAt", "ElementAtOrDefault":
		i, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		if i < 0 || i >= len(items) {
			if name == "ElementAtOrDefault" {
				return nil, true, nil
			}
			return nil, true, fmt.Errorf("%w: Index was out of range", errArgRange)
		}
		return items[i], true, nil
	case "ToArray", "ToList", "AsEnumerable", "Cast", "OfType":
		out := append([]any(nil), items...)
		if name == "OfType" && len(typeArgs) == 1 {
			out = out[:0]
			for _, it := range items {
				if isOfType(it, typeArgs[0]) {
					out = append(out, it)
				}
			}
		}
		if name == "Cast" && len(typeArgs) == 1 {
			for i, it := range out {
				v, err := castTo(it, typeArgs[0])
				if err != nil {
					return nil, true, err
				}
				out[i] = v
			}
		}
		if name == "ToList" {
			return &list{items: out}, true, nil
		}
		if out == nil {
			out = []any{}
		}
		return out, true, nil
	case "Contains":
		for _, it := range items {
			if valuesEqual(unwrapJ(it), unwrapJ(argAt(args, 0))) {
				return true, true, nil
			}
		}
		return false, true, nil
	case "Distinct":
		var out []any
		for _, it := range items {
			dup := false
			for _, o := range out {
				if valuesEqual(o, it) {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, it)
			}
		}
		return out, true, nil
	case "OrderBy", "OrderByDescending":
		out := append([]any(nil), items...)
		return out, true, sortValues(out, lam(0), name == "OrderByDescending")
	case "Reverse":
		out := make([]any, len(items))
		for i, it := range items {
			out[len(items)-1-i] = it
		}
		return out, true, nil
	case "Skip", "Take":
		n, err := argInt32(args, 0)
		if err != nil {
			return nil, true, err
		}
		n = max(0, min(n, len(items)))
		if name == "Skip" {
			return append([]any(nil), items[n:]...), true, nil
		}
		return append([]any(nil), items[:n]...), true, nil
	case "Concat", "Union":
		more, err := enumerate(argAt(args, 0))
		if err != nil {
			return nil, true, err
		}
		out := append(append([]any(nil), items...), more...)
		if name == "Union" {
			return linq(fr, out, "Distinct", nil, nil)
		}
		return out, true, nil
	case "Sum", "Min", "Max", "Average":
		vals := items
		if l := lam(0); l != nil {
			vals = make([]any, len(items))
			for i, it := range items {
				v, err := l.invoke(it)
				if err != nil {
					return nil, true, err
				}
				vals[i] = v
			}
		}
		if len(vals) == 0 {
			if name == "Sum" {
				return 0, true, nil
			}
			return nil, true, fmt.Errorf("%w: Sequence contains no elements", errInvalidOp)
		}
		acc := unwrapJ(vals[0])
		if name == "Sum" || name == "Average" {
			acc = 0
		}
		for i, v := range vals {
			v = unwrapJ(v)
			switch name {
			case "Sum", "Average":
				if acc, err = binaryOp("+", acc, v); err != nil {
					return nil, true, err
				}
			default:
				if i == 0 {
					continue
				}
				c, err := compareValues(v, acc)
				if err != nil {
					return nil, true, err
				}
				if (name == "Min") == (c < 0) && c != 0 {
					acc = v
				}
			}
		}
		if name == "Average" {
			return toF64(acc) / float64(len(vals)), true, nil
		}
		return acc, true, nil
	case "ToDictionary":
		kl, vl := lam(0), lam(1)
		if kl == nil {
			return nil, true, fmt.Errorf("%w: ToDictionary needs a key selector", errArgument)
		}
		d := newDict()
		for _, it := range items {
			k, err := kl.invoke(it)
			if err != nil {
				return nil, true, err
			}
			v := it
			if vl != nil {
				if v, err = vl.invoke(it); err != nil {
					return nil, true, err
				}
			}
			if _, dup := d.vals[k]; dup {
				return nil, true, fmt.Errorf("%w: An item with the same key has already been added", errArgument)
			}
			d.set(k, v)
		}
		return d, true, nil
	case "SequenceEqual":
		other, err := enumerate(argAt(args, 0))
		if err != nil {
			return nil, true, err
		}
		if len(other) != len(items) {
			return false, true, nil
		}
		for i := range items {
			if !valuesEqual(unwrapJ(items[i]), unwrapJ(other[i])) {
				return false, true, nil
			}
		}
		return true, true, nil
	case "DefaultIfEmpty":
		if len(items) == 0 {
			return []any{argAt(args, 0)}, true, nil
		}
		return items, true, nil
	case "Aggregate":
		if len(args) == 2 {
			acc := args[0]
			l := lam(1)
			for _, it := range items {
				if acc, err = l.invoke(acc, it); err != nil {
					return nil, true, err
				}
			}
			return acc, true, nil
		}
	}
	return nil, false, nil
}
