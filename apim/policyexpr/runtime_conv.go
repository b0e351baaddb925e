package policyexpr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// dotnetTypeName names the .NET type a Go value stands for, for error
// messages that read like the gateway's.
func dotnetTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "System.String"
	case int, int32:
		return "System.Int32"
	case int64:
		return "System.Int64"
	case float64, float32:
		return "System.Double"
	case bool:
		return "System.Boolean"
	case []string:
		return "System.String[]"
	case time.Time:
		return "System.DateTime"
	case time.Duration:
		return "System.TimeSpan"
	}
	return fmt.Sprintf("%T", v)
}

// castString is (string)obj: null stays null (""), anything else but a
// string throws.
func castString(v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case nil:
		return "", nil
	}
	return "", castError(v, "System.String")
}

// castInt is (int)obj, an unboxing conversion: only integers qualify.
func castInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case int32:
		return int(n), nil
	case int64:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return 0, castError(v, "System.Int32")
		}
		return int(n), nil
	}
	return 0, castError(v, "System.Int32")
}

func castBool(v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, castError(v, "System.Boolean")
}

func castDouble(v any) (float64, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case float32:
		return float64(n), nil
	}
	return 0, castError(v, "System.Double")
}

// formatDouble formats like .NET's double.ToString() ("R" round-trip since
// .NET Core 3.0): shortest representation, exponent as E+XX. As with "G",
// fixed-point is used only when the decimal exponent is > -5 and < 15, so
// 0.0001 prints as is but 0.00001 is "1E-05".
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "∞"
	case math.IsInf(f, -1):
		return "-∞"
	}
	a := math.Abs(f)
	if a != 0 && (a >= 1e15 || a < 1e-4) {
		s := strconv.FormatFloat(f, 'E', -1, 64)
		mant, exp, _ := strings.Cut(s, "E")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		for len(digits) < 2 {
			digits = "0" + digits
		}
		return mant + "E" + string(sign) + digits
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// toString is object.ToString() with .NET formatting: booleans are "True"
// and "False", null is "", arrays print their type name.
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.Itoa(int(x))
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatDouble(x)
	case float32:
		return formatDouble(float64(x))
	case []string:
		return "System.String[]"
	case time.Time:
		return formatDateTime(x, "G")
	case time.Duration:
		return formatTimeSpan(x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// parseInt is int.Parse: optional surrounding white space and sign, decimal
// digits only, Int32 range.
func parseInt(s string) (int, error) {
	t := trimNumberSpace(s)
	if t == "" {
		return 0, fmt.Errorf("%w: input string %q was not in a correct format", errFormat, s)
	}
	for i, c := range t {
		if !(c >= '0' && c <= '9' || i == 0 && (c == '-' || c == '+')) {
			return 0, fmt.Errorf("%w: input string %q was not in a correct format", errFormat, s)
		}
	}
	n, err := strconv.ParseInt(t, 10, 32)
	if err != nil {
		if strings.Contains(err.Error(), "range") {
			return 0, fmt.Errorf("%w: value %q was either too large or too small for an Int32", errOverflow, s)
		}
		return 0, fmt.Errorf("%w: input string %q was not in a correct format", errFormat, s)
	}
	return int(n), nil
}

// trimNumberSpace trims the white space .NET number parsing allows around
// a number: U+0009–U+000D and U+0020 only (not U+00A0 or U+0085, which Go's
// strings.TrimSpace would also remove).
func trimNumberSpace(s string) string {
	return strings.Trim(s, "\t\n\v\f\r ")
}

// parseDouble is double.Parse with NumberStyles.Float | AllowThousands in
// the invariant culture: optional sign, digits with ',' group separators
// before the '.', an optional fraction and exponent; "NaN", "Infinity",
// "-Infinity" and "∞" symbols. Go-only syntax (hex floats, '_' separators,
// "inf") is a FormatException.
func parseDouble(s string) (float64, error) {
	t := trimNumberSpace(s)
	fail := fmt.Errorf("%w: input string %q was not in a correct format", errFormat, s)
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) > 1 {
		return 0, fail
	}
	switch body {
	case "NaN":
		if body != t {
			return 0, fail
		}
		return math.NaN(), nil
	case "Infinity", "∞":
		if strings.HasPrefix(t, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	var b strings.Builder
	b.WriteString(t[:len(t)-len(body)])
	digits, seenDot, seenExp := 0, false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			if !seenExp {
				digits++
			}
		case c == ',' && !seenDot && !seenExp && digits > 0:
			continue // group separator
		case c == '.' && !seenDot && !seenExp:
			seenDot = true
		case (c == 'e' || c == 'E') && !seenExp && digits > 0 && i+1 < len(body):
			seenExp = true
			if n := body[i+1]; n == '+' || n == '-' {
				b.WriteByte(c)
				c = n
				i++
			}
		default:
			return 0, fail
		}
		b.WriteByte(c)
	}
	if digits == 0 {
		return 0, fail
	}
	f, err := strconv.ParseFloat(b.String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fail
	}
	return f, nil // out-of-range values are ±∞ or 0, as in .NET Core 3.0+
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%w: string %q was not recognized as a valid Boolean", errFormat, s)
}

// roundInt32 is Convert.ToInt32(double): banker's rounding, Int32 range.
func roundInt32(f float64) (int, error) {
	r := math.RoundToEven(f)
	if math.IsNaN(r) || r < math.MinInt32 || r > math.MaxInt32 {
		return 0, fmt.Errorf("%w: value was either too large or too small for an Int32", errOverflow)
	}
	return int(r), nil
}

// convertToInt is Convert.ToInt32(object).
func convertToInt(v any) (int, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		return parseInt(x)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		return roundInt32(x)
	case float32:
		return roundInt32(float64(x))
	}
	return castInt(v)
}

func convertToDouble(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		return parseDouble(x)
	case int:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return castDouble(v)
}

func convertToBool(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case string:
		return parseBool(x)
	case int:
		return x != 0, nil
	case float64:
		return x != 0, nil
	}
	return castBool(v)
}

// objEquals is object.Equals: equal when both values have the same type and
// value (an Int32 never equals a Double, as in .NET).
func objEquals(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int:
		y, ok := b.(int)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case time.Duration:
		y, ok := b.(time.Duration)
		return ok && x == y
	}
	return false
}

func unary[T any](name string, f func(any) (T, error), sig any) helper {
	return helper{name, func(a ...any) (any, error) {
		if len(a) != 1 {
			return nil, bad(name)
		}
		return f(a[0])
	}, []any{sig}}
}

func strUnary[T any](name string, f func(string) (T, error), sig any) helper {
	return helper{name, func(a ...any) (any, error) {
		s, ok := argStr(a, 0)
		if !ok {
			return nil, bad(name)
		}
		return f(s)
	}, []any{sig}}
}

var convHelpers = []helper{
	unary("csCastStr", castString, new(func(any) string)),
	unary("csCastInt", castInt, new(func(any) int)),
	unary("csCastBool", castBool, new(func(any) bool)),
	unary("csCastDouble", castDouble, new(func(any) float64)),
	unary("csAsStr", func(v any) (string, error) { s, _ := v.(string); return s, nil }, new(func(any) string)),
	unary("csStr", func(v any) (string, error) { return toString(v), nil }, new(func(any) string)),
	unary("csToInt", convertToInt, new(func(any) int)),
	unary("csToDouble", convertToDouble, new(func(any) float64)),
	unary("csToBool", convertToBool, new(func(any) bool)),
	unary("csDoubleToInt", func(v any) (int, error) {
		f, ok := v.(float64)
		if !ok {
			return 0, bad("csDoubleToInt")
		}
		if math.IsNaN(f) || f <= math.MinInt32-1 || f >= math.MaxInt32+1 {
			return math.MinInt32, nil // unchecked C# conversion result
		}
		return int(f), nil
	}, new(func(float64) int)),
	strUnary("csParseInt", parseInt, new(func(string) int)),
	strUnary("csParseDouble", parseDouble, new(func(string) float64)),
	strUnary("csParseBool", parseBool, new(func(string) bool)),
	unary("csI32", func(v any) (int, error) {
		n, ok := v.(int)
		if !ok {
			return 0, bad("csI32")
		}
		return int(int32(n)), nil // unchecked Int32 wrap-around
	}, new(func(int) int)),
	unary("csCharCode", func(v any) (int, error) {
		s, ok := v.(string)
		if !ok {
			return 0, bad("csCharCode")
		}
		if u := utf16.Encode([]rune(s)); len(u) > 0 {
			return int(u[0]), nil
		}
		return 0, nil
	}, new(func(string) int)),
	{"csEq", func(a ...any) (any, error) {
		if len(a) != 2 {
			return nil, bad("csEq")
		}
		return objEquals(a[0], a[1]), nil
	}, []any{new(func(any, any) bool)}},
	{"csDiv", func(a ...any) (any, error) {
		x, ok1 := argInt(a, 0)
		y, ok2 := argInt(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csDiv")
		}
		if y == 0 {
			return nil, fmt.Errorf("%w: attempted to divide by zero", errDivide)
		}
		if x == math.MinInt32 && y == -1 {
			// The one Int32 quotient that does not fit throws even in an
			// unchecked context (ECMA-334 §12.10.3).
			return nil, fmt.Errorf("%w: arithmetic operation resulted in an overflow", errOverflow)
		}
		return x / y, nil
	}, []any{new(func(int, int) int)}},
	{"csMod", func(a ...any) (any, error) {
		x, ok1 := argInt(a, 0)
		y, ok2 := argInt(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csMod")
		}
		if y == 0 {
			return nil, fmt.Errorf("%w: attempted to divide by zero", errDivide)
		}
		if x == math.MinInt32 && y == -1 {
			// int.MinValue % -1 throws OverflowException (ECMA-334 §12.10.4).
			return nil, fmt.Errorf("%w: arithmetic operation resulted in an overflow", errOverflow)
		}
		return x % y, nil
	}, []any{new(func(int, int) int)}},
	{"csIndex", func(a ...any) (any, error) {
		arr, ok1 := a[0].([]string)
		i, ok2 := argInt(a, 1)
		if !ok1 && a[0] != nil || !ok2 {
			return nil, bad("csIndex")
		}
		if i < 0 || i >= len(arr) {
			return nil, fmt.Errorf("%w: index %d outside the bounds of an array of length %d", errIndexRange, i, len(arr))
		}
		return arr[i], nil
	}, []any{new(func([]string, int) string)}},
	{"csArrContains", func(a ...any) (any, error) {
		arr, ok1 := a[0].([]string)
		s, ok2 := argStr(a, 1)
		if !ok1 && a[0] != nil || !ok2 {
			return nil, bad("csArrContains")
		}
		for _, x := range arr {
			if x == s {
				return true, nil
			}
		}
		return false, nil
	}, []any{new(func([]string, string) bool)}},
	{"csMathMin", func(a ...any) (any, error) { return mathMinMax(a, true) }, []any{new(func(int, int) int), new(func(float64, float64) float64)}},
	{"csMathMax", func(a ...any) (any, error) { return mathMinMax(a, false) }, []any{new(func(int, int) int), new(func(float64, float64) float64)}},
}

func mathMinMax(a []any, isMin bool) (any, error) {
	if x, ok := argInt(a, 0); ok {
		y, ok := argInt(a, 1)
		if !ok {
			return nil, bad("csMathMin/Max")
		}
		if isMin == (x < y) {
			return x, nil
		}
		return y, nil
	}
	x, ok1 := a[0].(float64)
	y, ok2 := a[1].(float64)
	if !ok1 || !ok2 {
		return nil, bad("csMathMin/Max")
	}
	if isMin {
		return math.Min(x, y), nil
	}
	return math.Max(x, y), nil
}
