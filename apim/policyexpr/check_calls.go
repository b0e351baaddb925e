package policyexpr

import (
	"strconv"
	"strings"
)

// staticCall checks Type.Method(args).
func (c *checker) staticCall(e *callExpr, m *memberExpr, typ string) (val, error) {
	if isInt64Spelling(typeSpelling(m.x)) {
		// The typed model is Int32; Int64 runs on the interpreter.
		return val{}, unsupported(m.nameOff, "Int64 %s", m.name)
	}
	args, err := c.args(e)
	if err != nil {
		return val{}, err
	}
	n := len(args)
	str := func(i int) (string, error) { return c.coerce(args[i], tyString, e.args[i].x.offset(), typ+"."+m.name) }
	one := func(t ctype, fn string, want ctype) (val, error) {
		if n != 1 {
			return c.noMethod(m, ctype{k: kStatic, nav: typ}, n)
		}
		code, err := c.coerce(args[0], want, e.args[0].x.offset(), typ+"."+m.name)
		if err != nil {
			return val{}, err
		}
		return val{t: t, code: call(fn, code)}, nil
	}
	switch typ + "." + m.name {
	case "string.IsNullOrEmpty":
		if n != 1 {
			break
		}
		s, err := str(0)
		if err != nil {
			return val{}, err
		}
		return val{t: tyBool, code: "(" + s + ` == "")`}, nil
	case "string.IsNullOrWhiteSpace":
		return one(tyBool, "csIsNullOrWhiteSpace", tyString)
	case "string.Format":
		return c.format(e, m, args)
	case "string.Concat":
		var codes []string
		for _, a := range args {
			if a.t.k == kStringArray && n == 1 {
				return val{t: tyString, code: call("csJoin", `""`, a.code)}, nil
			}
			codes = append(codes, stringify(a))
		}
		if len(codes) == 0 {
			return strVal(""), nil
		}
		return val{t: tyString, code: "(" + strings.Join(codes, " + ") + ")"}, nil
	case "string.Join":
		if n < 2 {
			break
		}
		sep, err := str(0)
		if err != nil {
			return val{}, err
		}
		if n == 2 && args[1].t.k == kStringArray {
			return val{t: tyString, code: call("csJoin", sep, args[1].code)}, nil
		}
		codes := []string{sep}
		for _, a := range args[1:] {
			codes = append(codes, stringify(a))
		}
		return val{t: tyString, code: call("csJoin", codes...)}, nil
	case "string.Equals":
		if n != 2 && n != 3 {
			break
		}
		return c.strEquals(e, args[0], args[1:], 1)
	case "int.Parse":
		return one(tyInt, "csParseInt", tyString)
	case "double.Parse":
		return one(tyDouble, "csParseDouble", tyString)
	case "bool.Parse":
		return one(tyBool, "csParseBool", tyString)
	case "int.TryParse", "double.TryParse", "bool.TryParse":
		return val{}, unsupported(m.nameOff, "%s.TryParse (out parameters)", typ)
	case "Convert.ToInt32", "Convert.ToInt64", "Convert.ToInt16":
		if n == 1 && args[0].t.k == kInt {
			return args[0], nil
		}
		if n == 1 && args[0].t.k == kChar {
			// Convert.ToInt32(char) is the UTF-16 code, not a parse.
			return val{t: tyInt, code: call("csCharCode", args[0].code)}, nil
		}
		return one(tyInt, "csToInt", tyObject)
	case "Convert.ToDouble", "Convert.ToDecimal", "Convert.ToSingle":
		return one(tyDouble, "csToDouble", tyObject)
	case "Convert.ToBoolean":
		return one(tyBool, "csToBool", tyObject)
	case "Convert.FromBase64String", "Convert.ToBase64String", "Encoding.GetBytes":
		return val{}, unsupported(m.nameOff, "%s.%s (byte arrays are not emulated)", typ, m.name)
	case "Convert.ToString":
		if n == 1 {
			return val{t: tyString, code: stringify(args[0])}, nil
		}
	case "Guid.NewGuid":
		if n == 0 {
			return val{t: tyGuid, code: "csNewGuid($env)"}, nil
		}
	case "Math.Min", "Math.Max":
		if n != 2 {
			break
		}
		fn := "csMath" + m.name[:3]
		if args[0].t.k == kInt && args[1].t.k == kInt {
			return val{t: tyInt, code: call(fn, args[0].code, args[1].code)}, nil
		}
		codes, err := c.argCodes(e, args, tyDouble, "Math."+m.name)
		if err != nil {
			return val{}, err
		}
		return val{t: tyDouble, code: call(fn, codes...)}, nil
	case "Math.Abs":
		if n == 1 && args[0].t.numeric() {
			return val{t: args[0].t, code: call("abs", args[0].code)}, nil
		}
	case "Math.Floor", "Math.Ceiling":
		fn := map[string]string{"Floor": "floor", "Ceiling": "ceil"}[m.name]
		return one(tyDouble, fn, tyDouble)
	}
	return val{}, unsupported(m.nameOff, "method %s.%s with %d argument(s)", typ, m.name, n)
}

// format checks String.Format; a constant format string is validated now.
func (c *checker) format(e *callExpr, m *memberExpr, args []val) (val, error) {
	if len(args) == 0 {
		return c.noMethod(m, ctype{k: kStatic, nav: "string"}, 0)
	}
	f, err := c.coerce(args[0], tyString, e.args[0].x.offset(), "String.Format")
	if err != nil {
		return val{}, err
	}
	rest := args[1:]
	if len(rest) == 1 && rest[0].t.k == kStringArray {
		return val{}, unsupported(e.args[1].x.offset(), "String.Format with an argument array")
	}
	if args[0].str != nil {
		probe := make([]any, len(rest))
		if _, err := csFormat(*args[0].str, probe); err != nil {
			if strings.Contains(err.Error(), "not emulated") {
				return val{}, unsupported(e.args[0].x.offset(), "String.Format format specifier ({n:format})")
			}
			return val{}, typeErr(e.args[0].x.offset(), "invalid format string: %v", err)
		}
	}
	codes := []string{f}
	for i, a := range rest {
		code, err := c.coerce(a, tyObject, e.args[i+1].x.offset(), "String.Format")
		if err != nil {
			return val{}, err
		}
		codes = append(codes, code)
	}
	return val{t: tyString, code: call("csFormat", codes...)}, nil
}

// strEquals emits a.Equals(b[, comparison]); cmpIdx is the argument index
// of the comparison for messages.
func (c *checker) strEquals(e *callExpr, a val, rest []val, cmpIdx int) (val, error) {
	b := rest[0]
	fold := false
	if len(rest) == 2 {
		var err error
		if fold, err = c.ignoreCase(e, rest[1], cmpIdx+1); err != nil {
			return val{}, err
		}
	}
	if a.t.k == kObject || b.t.k == kObject {
		if fold {
			return val{}, typeErr(e.off, "Equals with StringComparison needs string operands, not %s and %s", a.t, b.t)
		}
		return val{t: tyBool, code: call("csEq", a.code, b.code)}, nil
	}
	ac, err := c.coerce(a, tyString, e.off, "Equals")
	if err != nil {
		return val{}, err
	}
	bc, err := c.coerce(b, tyString, e.args[len(e.args)-len(rest)].x.offset(), "Equals")
	if err != nil {
		return val{}, err
	}
	if fold {
		return val{t: tyBool, code: call("csEqFold", ac, bc)}, nil
	}
	return val{t: tyBool, code: "(" + ac + " == " + bc + ")"}, nil
}

// navCall checks methods of context objects (dictionaries and the body).
func (c *checker) navCall(e *callExpr, m *memberExpr, recv val) (val, error) {
	args, err := c.args(e)
	if err != nil {
		return val{}, err
	}
	n := len(args)
	nav := recv.t.nav
	if recv.code == "" {
		recv.code = "$env"
	}
	strArgs := func() ([]string, error) { return c.argCodes(e, args, tyString, nav+"."+m.name) }
	dict := map[string][2]string{ // GetValueOrDefault and ContainsKey helpers
		"IHeaders": {"csHdrGet", "csHdrHas"},
		"IQuery":   {"csQueryGet", "csQueryHas"},
		"IMatched": {"csMapGet", "csMapHas"},
	}
	if h, ok := dict[nav]; ok {
		switch {
		case m.name == "GetValueOrDefault" && (n == 1 || n == 2):
			codes, err := strArgs()
			if err != nil {
				return val{}, err
			}
			if n == 1 {
				codes = append(codes, `""`)
			}
			return val{t: tyString, code: call(h[0], recv.code, codes[0], codes[1])}, nil
		case m.name == "ContainsKey" && n == 1:
			codes, err := strArgs()
			if err != nil {
				return val{}, err
			}
			return val{t: tyBool, code: call(h[1], recv.code, codes[0])}, nil
		}
		return val{}, unsupported(m.nameOff, "%s.%s", dictName(nav), m.name)
	}
	switch nav {
	case "IVariables":
		return c.variablesCall(e, m, recv, args)
	case "IBody":
		if m.name != "As" || len(m.typeArgs) != 1 {
			return val{}, unsupported(m.nameOff, "Body.%s", m.name)
		}
		if t, ok := typeFromRef(m.typeArgs[0]); !ok || t.k != kString {
			return val{}, unsupported(m.nameOff, "Body.As<%s>", m.typeArgs[0])
		}
		for i, a := range args {
			if a.t.k != kBool {
				return val{}, typeErr(e.args[i].x.offset(), "preserveContent must be bool, not %s", a.t)
			}
		}
		if n > 1 {
			return c.noMethod(m, recv.t, n)
		}
		preserve := "false"
		if n == 1 {
			preserve = args[0].code
		}
		return val{t: tyString, code: call("csBody", recv.code, preserve)}, nil
	case "IUrl":
		if m.name == "ToString" && n == 0 {
			return val{t: tyString, code: call("csUrlStr", recv.code)}, nil
		}
	}
	return val{}, unsupported(m.nameOff, "method %s.%s", nav, m.name)
}

// dictName names a context dictionary the way policies spell it.
func dictName(nav string) string {
	switch nav {
	case "IHeaders":
		return "Headers"
	case "IQuery":
		return "Url.Query"
	case "IMatched":
		return "MatchedParameters"
	case "IVariables":
		return "Variables"
	}
	return nav
}

// variablesCall checks context.Variables methods.
func (c *checker) variablesCall(e *callExpr, m *memberExpr, recv val, args []val) (val, error) {
	n := len(args)
	switch {
	case m.name == "ContainsKey" && n == 1:
		k, err := c.coerce(args[0], tyString, e.args[0].x.offset(), "Variables.ContainsKey")
		if err != nil {
			return val{}, err
		}
		return val{t: tyBool, code: call("csVarHas", recv.code, k)}, nil
	case m.name == "GetValueOrDefault" && (n == 1 || n == 2):
	default:
		return val{}, unsupported(m.nameOff, "Variables.%s", m.name)
	}
	k, err := c.coerce(args[0], tyString, e.args[0].x.offset(), "Variables.GetValueOrDefault")
	if err != nil {
		return val{}, err
	}
	t := tyObject
	if len(m.typeArgs) == 1 {
		var ok bool
		if t, ok = typeFromRef(m.typeArgs[0]); !ok || !(t.k == kString || t.k == kInt || t.k == kBool || t.k == kDouble || t.k == kObject) {
			return val{}, unsupported(m.nameOff, "Variables.GetValueOrDefault<%s>", m.typeArgs[0])
		}
	}
	fn := map[kind]string{kString: "csVarStr", kInt: "csVarInt", kBool: "csVarBool", kDouble: "csVarDouble", kObject: "csVarOr"}[t.k]
	zero := map[kind]string{kString: `""`, kInt: "0", kBool: "false", kDouble: "0.0", kObject: "nil"}[t.k]
	def := zero
	if n == 2 {
		if def, err = c.coerce(args[1], t, e.args[1].x.offset(), "Variables.GetValueOrDefault default"); err != nil {
			return val{}, err
		}
	}
	return val{t: t, code: call(fn, recv.code, k, def)}, nil
}

// valueCall checks instance methods of strings, numbers, dates and arrays.
func (c *checker) valueCall(e *callExpr, m *memberExpr, recv val) (val, error) {
	args, err := c.args(e)
	if err != nil {
		return val{}, err
	}
	n := len(args)
	if m.name == "ToString" && n == 0 {
		return val{t: tyString, code: stringify(recv)}, nil
	}
	if m.name == "GetType" || m.name == "GetHashCode" {
		return val{}, unsupported(m.nameOff, "%s.%s", recv.t, m.name)
	}
	switch recv.t.k {
	case kString:
		return c.stringCall(e, m, recv, args)
	case kChar, kBool, kInt, kDouble, kGuid, kObject:
		if m.name == "Equals" && n == 1 {
			if recv.t.k == kObject || args[0].t.k == kObject || args[0].t != recv.t {
				code, ok := convert(args[0], tyObject)
				if !ok {
					return val{}, typeErr(e.args[0].x.offset(), "cannot pass %s to Equals", args[0].t)
				}
				return val{t: tyBool, code: call("csEq", recv.code, code)}, nil
			}
			return val{t: tyBool, code: "(" + recv.code + " == " + args[0].code + ")"}, nil
		}
		if recv.t.k == kGuid && m.name == "ToString" && n == 1 && args[0].str != nil {
			switch *args[0].str {
			case "D", "d", "":
				return val{t: tyString, code: recv.code}, nil
			case "N", "n":
				return val{t: tyString, code: call("csReplace", recv.code, `"-"`, `""`)}, nil
			case "B", "b":
				return val{t: tyString, code: `("{" + ` + recv.code + ` + "}")`}, nil
			case "P", "p":
				return val{t: tyString, code: `("(" + ` + recv.code + ` + ")")`}, nil
			}
		}
	case kStringArray:
		if m.name == "Contains" && n == 1 {
			s, err := c.coerce(args[0], tyString, e.args[0].x.offset(), "Contains")
			if err != nil {
				return val{}, err
			}
			return val{t: tyBool, code: call("csArrContains", recv.code, s)}, nil
		}
	case kDateTime:
		switch {
		case m.name == "ToString" && n == 1:
			f, err := c.coerce(args[0], tyString, e.args[0].x.offset(), "DateTime.ToString")
			if err != nil {
				return val{}, err
			}
			return val{t: tyString, code: call("csDateStr", recv.code, f)}, nil
		case m.name == "ToUniversalTime" && n == 0:
			return recv, nil
		case strings.HasPrefix(m.name, "Add") && n == 1:
			if u, ok := spanUnits[strings.TrimPrefix(m.name, "Add")]; ok {
				d, err := c.coerce(args[0], tyDouble, e.args[0].x.offset(), "DateTime."+m.name)
				if err != nil {
					return val{}, err
				}
				return val{t: tyDateTime, code: call("csDateAdd", recv.code, d, strconv.FormatInt(int64(u.d), 10))}, nil
			}
		}
	case kRandom:
		switch {
		case m.name == "Next" && n <= 2:
			codes, err := c.argCodes(e, args, tyInt, "Random.Next")
			if err != nil {
				return val{}, err
			}
			switch n {
			case 0:
				codes = []string{"0", "2147483647"}
			case 1:
				codes = []string{"0", codes[0]}
			}
			return val{t: tyInt, code: call("csRandNext", "$env", codes[0], codes[1])}, nil
		case m.name == "NextDouble" && n == 0:
			return val{t: tyDouble, code: "csRandDouble($env)"}, nil
		}
	}
	return c.noMethod(m, recv.t, n)
}

// stringCall checks System.String instance methods.
func (c *checker) stringCall(e *callExpr, m *memberExpr, s val, args []val) (val, error) {
	n := len(args)
	strs := func(from int) ([]string, error) {
		codes := make([]string, 0, n)
		for i := from; i < n; i++ {
			a := args[i]
			if a.t.k == kStringArray && n-from == 1 {
				return nil, unsupported(e.args[i].x.offset(), "String.%s with an array argument", m.name)
			}
			code, err := c.strOrChar(a, e.args[i].x.offset(), "String."+m.name)
			if err != nil {
				return nil, err
			}
			codes = append(codes, code)
		}
		return codes, nil
	}
	// withCmp splits a trailing StringComparison argument off.
	withCmp := func(max int) ([]string, bool, error) {
		fold := false
		k := n
		if n > 0 && args[n-1].t.k == kEnum {
			var err error
			if fold, err = c.ignoreCase(e, args[n-1], n-1); err != nil {
				return nil, false, err
			}
			k--
		}
		if k != max {
			return nil, false, unsupported(m.nameOff, "String.%s with %d argument(s)", m.name, n)
		}
		codes := make([]string, 0, k)
		for i := 0; i < k; i++ {
			code, err := c.strOrChar(args[i], e.args[i].x.offset(), "String."+m.name)
			if err != nil {
				return nil, false, err
			}
			codes = append(codes, code)
		}
		return codes, fold, nil
	}
	pick := func(fold bool, plain, folded string) string {
		if fold {
			return folded
		}
		return plain
	}
	switch m.name {
	case "Equals":
		if n == 1 || n == 2 {
			return c.strEquals(e, s, args, 0)
		}
	case "Contains", "StartsWith", "EndsWith":
		codes, fold, err := withCmp(1)
		if err != nil {
			return val{}, err
		}
		if fold {
			fn := map[string]string{"Contains": "csContainsFold", "StartsWith": "csStartsFold", "EndsWith": "csEndsFold"}[m.name]
			return val{t: tyBool, code: call(fn, s.code, codes[0])}, nil
		}
		op := map[string]string{"Contains": "contains", "StartsWith": "startsWith", "EndsWith": "endsWith"}[m.name]
		return val{t: tyBool, code: "(" + s.code + " " + op + " " + codes[0] + ")"}, nil
	case "IndexOf", "LastIndexOf":
		codes, fold, err := withCmp(1)
		if err != nil {
			return val{}, err
		}
		if m.name == "LastIndexOf" && fold {
			return val{}, unsupported(m.nameOff, "String.LastIndexOf with an ignore-case comparison")
		}
		fn := pick(fold, "cs"+m.name, "csIndexOfFold")
		return val{t: tyInt, code: call(fn, s.code, codes[0])}, nil
	case "ToLower", "ToLowerInvariant", "ToUpper", "ToUpperInvariant":
		if n == 0 {
			fn := "lower"
			if strings.HasPrefix(m.name, "ToUpper") {
				fn = "upper"
			}
			return val{t: tyString, code: call(fn, s.code)}, nil
		}
	case "Trim", "TrimStart", "TrimEnd":
		codes, err := strs(0)
		if err != nil {
			return val{}, err
		}
		return val{t: tyString, code: call("cs"+m.name, append([]string{s.code}, codes...)...)}, nil
	case "Split":
		removeEmpty := false
		k := n
		if n > 0 && args[n-1].t.k == kEnum {
			if args[n-1].t.nav != "StringSplitOptions" {
				return val{}, typeErr(e.args[n-1].x.offset(), "expected StringSplitOptions, found %s", args[n-1].t)
			}
			removeEmpty = args[n-1].enum == "RemoveEmptyEntries"
			k--
		}
		if k == 1 && args[0].t.k == kStringArray {
			return val{t: tyStrArr, code: call("csSplitArr", s.code, args[0].code, strconv.FormatBool(removeEmpty))}, nil
		}
		codes := make([]string, 0, k+1)
		codes = append(codes, s.code)
		for i := 0; i < k; i++ {
			if args[i].t.k != kChar && args[i].t.k != kString {
				return val{}, typeErr(e.args[i].x.offset(), "Split separator must be char or string, not %s", args[i].t)
			}
			codes = append(codes, args[i].code)
		}
		return val{t: tyStrArr, code: call(pick(removeEmpty, "csSplit", "csSplitNoEmpty"), codes...)}, nil
	case "Substring":
		if n == 1 || n == 2 {
			codes, err := c.argCodes(e, args, tyInt, "String.Substring")
			if err != nil {
				return val{}, err
			}
			return val{t: tyString, code: call("csSubstr", append([]string{s.code}, codes...)...)}, nil
		}
	case "Replace":
		if n == 2 {
			if args[0].t.k != args[1].t.k && !(args[1].t.k == kNull && args[0].t.k == kString) {
				return val{}, typeErr(e.off, "Replace arguments must both be char or both be string")
			}
			codes, err := strs(0)
			if err != nil {
				return val{}, err
			}
			return val{t: tyString, code: call("csReplace", s.code, codes[0], codes[1])}, nil
		}
	case "PadLeft", "PadRight":
		if n == 1 || n == 2 {
			w, err := c.coerce(args[0], tyInt, e.args[0].x.offset(), "String."+m.name)
			if err != nil {
				return val{}, err
			}
			ch := `" "`
			if n == 2 {
				if args[1].t.k != kChar {
					return val{}, typeErr(e.args[1].x.offset(), "padding must be a char, not %s", args[1].t)
				}
				ch = args[1].code
			}
			return val{t: tyString, code: call("csPad", s.code, w, ch, strconv.FormatBool(m.name == "PadLeft"))}, nil
		}
	}
	return c.noMethod(m, s.t, n)
}

// strOrChar accepts a string or a char where .NET has overloads for both.
func (c *checker) strOrChar(a val, off int, what string) (string, error) {
	if a.t.k == kChar {
		return a.code, nil
	}
	return c.coerce(a, tyString, off, what)
}
