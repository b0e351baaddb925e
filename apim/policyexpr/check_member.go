package policyexpr

import (
	"strconv"
	"strings"
	"time"
)

// member checks x.name used as a property (not called).
func (c *checker) member(e *memberExpr) (val, error) {
	x, err := c.expr(e.x)
	if err != nil {
		return val{}, err
	}
	if e.nullCond && x.t.k != kString && x.t.k != kObject {
		return val{}, unsupported(e.nameOff-2, "null-conditional ?. on %s", x.t)
	}
	name := e.name
	switch x.t.k {
	case kNamespace:
		full := x.t.nav + "." + name
		if n, ok := lookupStatic(full); ok {
			return val{t: ctype{k: kStatic, nav: n}}, nil
		}
		if namespaces[full] {
			return val{t: ctype{k: kNamespace, nav: full}}, nil
		}
		return val{}, unsupported(e.off, "type %s", full)
	case kStatic:
		return c.staticProp(e, x.t.nav)
	case kNav:
		if m, ok := navTypes[x.t.nav][name]; ok {
			if m.code != nil {
				return val{t: m.t, code: m.code(x.code)}, nil
			}
			return val{t: m.t, code: join(x.code, m.field)}, nil
		}
		if secretMembers[x.t.nav+"."+name] {
			return val{}, unsupported(e.nameOff, "context.Subscription.%s (subscription keys are secrets and are never exposed)", name)
		}
		if name == "Count" {
			switch x.t.nav {
			case "IHeaders", "IMatched", "IVariables":
				return val{t: tyInt, code: "len(" + x.code + ")"}, nil
			case "IQuery":
				return val{t: tyInt, code: "csQueryCount(" + x.code + ")"}, nil
			}
		}
	case kString:
		if name == "Length" {
			if e.nullCond {
				return val{}, unsupported(e.nameOff-2, "null-conditional ?. yielding int?")
			}
			return val{t: tyInt, code: "csLen(" + x.code + ")"}, nil
		}
	case kStringArray:
		if name == "Length" {
			return val{t: tyInt, code: "len(" + x.code + ")"}, nil
		}
	case kDateTime:
		switch name {
		case "Year", "Month", "Day", "Hour", "Minute", "Second", "Millisecond", "DayOfYear":
			return val{t: tyInt, code: "csDatePart(" + x.code + ", " + quote(name) + ")"}, nil
		}
	case kTimeSpan:
		if unit, ok := spanUnits[strings.TrimPrefix(name, "Total")]; ok {
			if strings.HasPrefix(name, "Total") {
				return val{t: tyDouble, code: "csSpanTotal(" + x.code + ", " + strconv.FormatInt(int64(unit.d), 10) + ")"}, nil
			}
			return val{t: tyInt, code: "csSpanPart(" + x.code + ", " + strconv.FormatInt(int64(unit.d), 10) + ", " + strconv.Itoa(unit.mod) + ")"}, nil
		}
	}
	return val{}, unsupported(e.nameOff, "member %s.%s", x.t, name)
}

// spanUnits maps TimeSpan component names to their unit and the modulus of
// the component property (Hours is 0–23, …).
var spanUnits = map[string]struct {
	d   time.Duration
	mod int
}{
	"Milliseconds": {time.Millisecond, 1000},
	"Seconds":      {time.Second, 60},
	"Minutes":      {time.Minute, 60},
	"Hours":        {time.Hour, 24},
	"Days":         {24 * time.Hour, 1 << 30},
}

func (c *checker) staticProp(e *memberExpr, typ string) (val, error) {
	if typ == "int" && (e.name == "MaxValue" || e.name == "MinValue") {
		if raw := strings.TrimPrefix(typeSpelling(e.x), "System."); raw != "int" && raw != "Int32" {
			// long/short share the int model; their limits differ.
			return val{}, unsupported(e.nameOff, "member %s.%s (only Int32 limits are emulated)", raw, e.name)
		}
	}
	switch typ + "." + e.name {
	case "string.Empty":
		return strVal(""), nil
	case "DateTime.UtcNow", "DateTime.Now":
		return val{t: tyDateTime, code: "csNow($env)"}, nil
	case "int.MaxValue":
		return val{t: tyInt, code: "2147483647"}, nil
	case "int.MinValue":
		return val{t: tyInt, code: "(-2147483648)"}, nil
	case "Guid.Empty":
		return val{t: tyGuid, code: quote("00000000-0000-0000-0000-000000000000")}, nil
	}
	switch typ {
	case "StringComparison":
		switch e.name {
		case "Ordinal", "OrdinalIgnoreCase", "CurrentCulture", "CurrentCultureIgnoreCase", "InvariantCulture", "InvariantCultureIgnoreCase":
			return val{t: ctype{k: kEnum, nav: "StringComparison"}, enum: e.name}, nil
		}
	case "StringSplitOptions":
		switch e.name {
		case "None", "RemoveEmptyEntries":
			return val{t: ctype{k: kEnum, nav: "StringSplitOptions"}, enum: e.name}, nil
		}
	}
	return val{}, unsupported(e.nameOff, "member %s.%s", typ, e.name)
}

// index checks x[i].
func (c *checker) index(e *indexExpr) (val, error) {
	x, err := c.value(e.x)
	if err != nil {
		return val{}, err
	}
	if len(e.args) != 1 {
		return val{}, unsupported(e.off, "multi-dimensional index")
	}
	i, err := c.value(e.args[0])
	if err != nil {
		return val{}, err
	}
	key := func() (string, error) { return c.coerce(i, tyString, e.args[0].offset(), "dictionary key") }
	switch x.t.k {
	case kNav:
		switch x.t.nav {
		case "IHeaders", "IQuery", "IMatched", "IVariables":
			k, err := key()
			if err != nil {
				return val{}, err
			}
			switch x.t.nav {
			case "IHeaders":
				return val{t: tyStrArr, code: "csHdrIndex(" + x.code + ", " + k + ")"}, nil
			case "IQuery":
				return val{t: tyStrArr, code: "csQueryIndex(" + x.code + ", " + k + ")"}, nil
			case "IMatched":
				return val{t: tyString, code: "csMapIndex(" + x.code + ", " + k + ")"}, nil
			}
			return val{t: tyObject, code: "csVarGet(" + x.code + ", " + k + ")"}, nil
		}
	case kStringArray, kString:
		n, err := c.coerce(i, tyInt, e.args[0].offset(), "index")
		if err != nil {
			return val{}, err
		}
		if x.t.k == kString {
			return val{t: tyChar, code: "csCharAt(" + x.code + ", " + n + ")"}, nil
		}
		return val{t: tyString, code: "csIndex(" + x.code + ", " + n + ")"}, nil
	case kObject:
		return val{}, unsupported(e.off, "indexer on object (cast it first; JSON objects are not emulated)")
	}
	return val{}, unsupported(e.off, "indexer on %s", x.t)
}

// call checks a method invocation.
func (c *checker) call(e *callExpr) (val, error) {
	m, ok := e.fn.(*memberExpr)
	if !ok {
		if id, ok := e.fn.(*identExpr); ok {
			return val{}, unsupported(e.off, "function call %s(…)", id.name)
		}
		return val{}, unsupported(e.off, "invocation of a non-method expression")
	}
	recv, err := c.expr(m.x)
	if err != nil {
		return val{}, err
	}
	for _, a := range e.args {
		if a.name != "" && !(m.name == "As" && a.name == "preserveContent") {
			return val{}, unsupported(a.x.offset(), "named argument %s:", a.name)
		}
	}
	if len(m.typeArgs) > 0 && !(m.name == "GetValueOrDefault" && recv.t.nav == "IVariables" || m.name == "As" && recv.t.nav == "IBody") {
		return val{}, unsupported(m.nameOff, "generic method %s<%s>", m.name, m.typeArgs[0])
	}
	if m.nullCond && recv.t.k != kString && recv.t.k != kObject {
		return val{}, unsupported(m.nameOff-2, "null-conditional ?. on %s", recv.t)
	}
	var v val
	switch recv.t.k {
	case kStatic:
		v, err = c.staticCall(e, m, recv.t.nav)
	case kNamespace:
		return val{}, unsupported(m.off, "type %s.%s", recv.t.nav, m.name)
	case kNav:
		v, err = c.navCall(e, m, recv)
	default:
		if recv.t.k == kEnum {
			return val{}, unsupported(m.nameOff, "method %s.%s", recv.t, m.name)
		}
		v, err = c.valueCall(e, m, recv)
	}
	if err == nil && m.nullCond && v.t.k != kString {
		return val{}, unsupported(m.nameOff-2, "null-conditional ?. yielding %s?", v.t)
	}
	return v, err
}

// args checks call arguments.
func (c *checker) args(e *callExpr) ([]val, error) {
	out := make([]val, len(e.args))
	for i, a := range e.args {
		v, err := c.expr(a.x)
		if err != nil {
			return nil, err
		}
		if v.t.k == kStatic || v.t.k == kNamespace {
			return nil, typeErr(a.x.offset(), "'%s' is a type, not a value", v.t.nav)
		}
		if v.t.k == kNav && v.code == "" {
			v.code = "$env"
		}
		out[i] = v
	}
	return out, nil
}

func (c *checker) noMethod(m *memberExpr, t ctype, n int) (val, error) {
	return val{}, unsupported(m.nameOff, "method %s.%s with %d argument(s)", t, m.name, n)
}

// argCodes coerces every argument to t.
func (c *checker) argCodes(e *callExpr, args []val, t ctype, what string) ([]string, error) {
	codes := make([]string, len(args))
	for i, a := range args {
		code, err := c.coerce(a, t, e.args[i].x.offset(), what)
		if err != nil {
			return nil, err
		}
		codes[i] = code
	}
	return codes, nil
}

// ignoreCase reads a StringComparison argument.
func (c *checker) ignoreCase(e *callExpr, a val, i int) (bool, error) {
	if a.t.k != kEnum || a.t.nav != "StringComparison" {
		return false, typeErr(e.args[i].x.offset(), "expected a StringComparison, found %s", a.t)
	}
	return strings.HasSuffix(a.enum, "IgnoreCase"), nil
}

func call(fn string, args ...string) string { return fn + "(" + strings.Join(args, ", ") + ")" }

// typeSpelling returns a type name as written (int, System.Int64, …).
func typeSpelling(x cexpr) string {
	switch x := x.(type) {
	case *identExpr:
		return x.name
	case *memberExpr:
		return typeSpelling(x.x) + "." + x.name
	}
	return ""
}
