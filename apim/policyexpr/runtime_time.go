package policyexpr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// formatDateTime renders t with a .NET standard ("o", "s", "u", "r", "d",
// "D", "t", "T", "g", "G") or custom (yyyy-MM-ddTHH:mm:ss.fffZ, …) format
// string, using the invariant culture.
func formatDateTime(t time.Time, f string) string {
	if len(f) == 2 && f[0] == '%' {
		f = f[1:] + "''" // "%d" is the custom specifier d alone
	}
	switch f {
	case "", "G":
		f = "MM/dd/yyyy HH:mm:ss"
	case "o", "O":
		f = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"
	case "s":
		f = "yyyy'-'MM'-'dd'T'HH':'mm':'ss"
	case "u":
		f = "yyyy'-'MM'-'dd HH':'mm':'ss'Z'"
	case "r", "R":
		return t.UTC().Format("Mon, 02 Jan 2006 15:04:05") + " GMT"
	case "d":
		f = "MM/dd/yyyy"
	case "D":
		f = "dddd, dd MMMM yyyy"
	case "t":
		f = "HH:mm"
	case "T":
		f = "HH:mm:ss"
	case "g":
		f = "MM/dd/yyyy HH:mm"
	case "f":
		f = "dddd, dd MMMM yyyy HH:mm"
	case "F", "U":
		f = "dddd, dd MMMM yyyy HH:mm:ss"
	case "M", "m":
		f = "MMMM dd"
	case "Y", "y":
		f = "yyyy MMMM"
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		n := 1
		for i+n < len(f) && f[i+n] == c {
			n++
		}
		switch c {
		case 'y':
			y := t.Year()
			switch {
			case n <= 2:
				b.WriteString(zpad(y%100, n))
			default:
				b.WriteString(zpad(y, n))
			}
		case 'M':
			switch {
			case n <= 2:
				b.WriteString(zpad(int(t.Month()), n))
			case n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(t.Month().String())
			}
		case 'd':
			switch {
			case n <= 2:
				b.WriteString(zpad(t.Day(), n))
			case n == 3:
				b.WriteString(t.Weekday().String()[:3])
			default:
				b.WriteString(t.Weekday().String())
			}
		case 'H':
			b.WriteString(zpad(t.Hour(), min(n, 2)))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(zpad(h, min(n, 2)))
		case 'm':
			b.WriteString(zpad(t.Minute(), min(n, 2)))
		case 's':
			b.WriteString(zpad(t.Second(), min(n, 2)))
		case 'f', 'F':
			n = min(n, 7)
			frac := zpad(t.Nanosecond()/100, 7)[:n]
			if c == 'F' {
				frac = strings.TrimRight(frac, "0")
			}
			b.WriteString(frac)
		case 't':
			ampm := "AM"
			if t.Hour() >= 12 {
				ampm = "PM"
			}
			b.WriteString(ampm[:min(n, 2)])
		case 'K', 'z':
			if t.Location() == time.UTC && c == 'K' {
				b.WriteByte('Z')
			} else {
				_, off := t.Zone()
				sign := '+'
				if off < 0 {
					sign, off = '-', -off
				}
				b.WriteRune(sign)
				b.WriteString(zpad(off/3600, 2))
				if c == 'K' || n >= 3 {
					b.WriteString(":" + zpad(off%3600/60, 2))
				}
			}
		case '\'', '"':
			end := strings.IndexByte(f[i+1:], c)
			if end < 0 {
				b.WriteString(f[i+1:])
				return b.String()
			}
			b.WriteString(f[i+1 : i+1+end])
			i += end + 2
			continue
		case '\\':
			if i+1 < len(f) {
				b.WriteByte(f[i+1])
			}
			i += 2
			continue
		default:
			b.WriteString(f[i : i+n])
		}
		i += n
	}
	return b.String()
}

func zpad(v, n int) string {
	s := strconv.Itoa(v)
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// formatTimeSpan is TimeSpan.ToString(): [-][d.]hh:mm:ss[.fffffff].
func formatTimeSpan(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	if days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10) + ".")
	}
	h := d / time.Hour
	m := d % time.Hour / time.Minute
	s := d % time.Minute / time.Second
	b.WriteString(zpad(int(h), 2) + ":" + zpad(int(m), 2) + ":" + zpad(int(s), 2))
	if ticks := d % time.Second / 100; ticks > 0 {
		b.WriteString("." + zpad(int(ticks), 7))
	}
	return b.String()
}

// newGuid draws a version-4 GUID from the context's random source and
// formats it like Guid.ToString() ("D" format, lower case).
func newGuid(c *Context) string {
	var u [16]byte
	hi, lo := c.uint64(), c.uint64()
	for i := range 8 {
		u[i] = byte(hi >> (8 * i))
		u[8+i] = byte(lo >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hexdig = "0123456789abcdef"
	var b [36]byte
	j := 0
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexdig[x>>4], hexdig[x&0x0f]
		j += 2
	}
	return string(b[:])
}

// randNext is Random.Next(min, max): uniform in [min, max).
func randNext(c *Context, lo, hi int) (int, error) {
	if lo > hi {
		return 0, fmt.Errorf("%w: minValue %d is greater than maxValue %d", errArgRange, lo, hi)
	}
	if lo == hi {
		return lo, nil
	}
	return lo + c.intN(hi-lo), nil
}

var timeHelpers = []helper{
	{"csNow", func(a ...any) (any, error) {
		c, ok := argCtx(a, 0)
		if !ok {
			return nil, bad("csNow")
		}
		return c.now(), nil
	}, []any{new(func(*Context) time.Time)}},
	{"csNewGuid", func(a ...any) (any, error) {
		c, ok := argCtx(a, 0)
		if !ok {
			return nil, bad("csNewGuid")
		}
		return newGuid(c), nil
	}, []any{new(func(*Context) string)}},
	{"csRandNext", func(a ...any) (any, error) {
		c, ok1 := argCtx(a, 0)
		lo, ok2 := argInt(a, 1)
		hi, ok3 := argInt(a, 2)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csRandNext")
		}
		return randNext(c, lo, hi)
	}, []any{new(func(*Context, int, int) int)}},
	{"csRandDouble", func(a ...any) (any, error) {
		c, ok := argCtx(a, 0)
		if !ok {
			return nil, bad("csRandDouble")
		}
		return c.float64(), nil
	}, []any{new(func(*Context) float64)}},
	{"csDateStr", func(a ...any) (any, error) {
		t, ok1 := argTime(a, 0)
		f, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csDateStr")
		}
		if len(f) == 1 && !strings.ContainsRune("dDfFgGmMoOrRstTuUyY", rune(f[0])) {
			// A one-character format is a standard format; an unknown one
			// throws (DateTimeFormat.ExpandPredefinedFormat).
			return nil, fmt.Errorf("%w: input string was not in a correct format (DateTime format %q)", errFormat, f)
		}
		return formatDateTime(t, f), nil
	}, []any{new(func(time.Time, string) string)}},
	{"csDateAdd", func(a ...any) (any, error) {
		t, ok1 := argTime(a, 0)
		n, ok2 := a[1].(float64)
		unit, ok3 := argInt(a, 2)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csDateAdd")
		}
		d := n * float64(unit)
		if unit <= 0 {
			return nil, bad("csDateAdd")
		}
		if math.IsNaN(d) || math.Abs(d) > math.MaxInt64 {
			return nil, fmt.Errorf("%w: value to add was out of range", errArgRange)
		}
		return t.Add(time.Duration(d)), nil
	}, []any{new(func(time.Time, float64, int) time.Time)}},
	{"csDatePart", func(a ...any) (any, error) {
		t, ok1 := argTime(a, 0)
		part, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csDatePart")
		}
		if v, ok := datePart(t, part); ok {
			return v, nil
		}
		return nil, bad("csDatePart " + part)
	}, []any{new(func(time.Time, string) int)}},
	{"csDateSub", func(a ...any) (any, error) {
		x, ok1 := argTime(a, 0)
		y, ok2 := argTime(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csDateSub")
		}
		return x.Sub(y), nil
	}, []any{new(func(time.Time, time.Time) time.Duration)}},
	{"csDateCmp", func(a ...any) (any, error) {
		x, ok1 := argTime(a, 0)
		y, ok2 := argTime(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csDateCmp")
		}
		return x.Compare(y), nil
	}, []any{new(func(time.Time, time.Time) int)}},
	{"csSpanTotal", func(a ...any) (any, error) {
		d, ok1 := argDur(a, 0)
		unit, ok2 := argInt(a, 1)
		if !ok1 || !ok2 || unit <= 0 {
			return nil, bad("csSpanTotal")
		}
		return float64(d) / float64(unit), nil
	}, []any{new(func(time.Duration, int) float64)}},
	{"csSpanPart", func(a ...any) (any, error) {
		d, ok1 := argDur(a, 0)
		unit, ok2 := argInt(a, 1)
		mod, ok3 := argInt(a, 2)
		if !ok1 || !ok2 || !ok3 || unit <= 0 || mod <= 0 {
			return nil, bad("csSpanPart")
		}
		return int(d/time.Duration(unit)) % mod, nil
	}, []any{new(func(time.Duration, int, int) int)}},
	{"csUrlStr", func(a ...any) (any, error) {
		u, ok := a[0].(Url)
		if !ok {
			return nil, bad("csUrlStr")
		}
		return urlString(u), nil
	}, []any{new(func(Url) string)}},
}

// urlString is IUrl.ToString(): scheme://host[:port]path[?query], with the
// port omitted when it is the scheme's default.
func urlString(u Url) string {
	var b strings.Builder
	b.WriteString(u.Scheme + "://" + u.Host)
	if u.Port > 0 && !(u.Port == 80 && strings.EqualFold(u.Scheme, "http") || u.Port == 443 && strings.EqualFold(u.Scheme, "https")) {
		b.WriteString(":" + strconv.Itoa(u.Port))
	}
	b.WriteString(u.Path)
	if u.RawQuery != "" {
		b.WriteString("?" + u.RawQuery)
	}
	return b.String()
}

// datePart returns a DateTime's integer component (Year … DayOfYear), the
// one reading of these members both expression engines use.
func datePart(t time.Time, part string) (int, bool) {
	switch part {
	case "Year":
		return t.Year(), true
	case "Month":
		return int(t.Month()), true
	case "Day":
		return t.Day(), true
	case "Hour":
		return t.Hour(), true
	case "Minute":
		return t.Minute(), true
	case "Second":
		return t.Second(), true
	case "Millisecond":
		return t.Nanosecond() / 1e6, true
	case "DayOfYear":
		return t.YearDay(), true
	}
	return 0, false
}
