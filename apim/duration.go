package apim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadDuration is wrapped by ParseDuration errors.
var ErrBadDuration = errors.New("invalid ISO-8601 duration")

// ParseDuration parses an ISO-8601 duration as Azure uses them for circuit
// breakers ("PT1M", "PT30S", "PT1H30M", "P1D", "PT0.5S", "P1DT2H").
// Years and months are rejected: their length is not fixed. Weeks ("P2W")
// are accepted. A negative duration ("-PT1M") is an error.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrBadDuration, orig, why)
	}
	if s == "" {
		return 0, bad("empty")
	}
	s = strings.ToUpper(s)
	if s[0] == '-' {
		return 0, bad("negative durations are not allowed")
	}
	if s[0] != 'P' {
		return 0, bad(`must start with "P" (e.g. PT1M)`)
	}
	s = s[1:]
	if s == "" || s == "T" {
		return 0, bad("no components")
	}
	var total float64
	inTime := false
	seen := ""
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return 0, bad(`"T" appears twice`)
			}
			inTime = true
			s = s[1:]
			if s == "" {
				return 0, bad(`nothing after "T"`)
			}
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, bad("expected a number followed by a unit")
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(s[:i], ",", "."), 64)
		if err != nil {
			return 0, bad("bad number " + strconv.Quote(s[:i]))
		}
		unit := s[i]
		key := string(unit)
		if inTime {
			key = "T" + key
		}
		if strings.Contains(seen, "|"+key+"|") {
			return 0, bad("unit " + string(unit) + " repeated")
		}
		seen += "|" + key + "|"
		var d time.Duration
		switch {
		case !inTime && unit == 'W':
			d = 7 * 24 * time.Hour
		case !inTime && unit == 'D':
			d = 24 * time.Hour
		case !inTime && (unit == 'Y' || unit == 'M'):
			return 0, bad("years and months have no fixed length; use days (P30D)")
		case inTime && unit == 'H':
			d = time.Hour
		case inTime && unit == 'M':
			d = time.Minute
		case inTime && unit == 'S':
			d = time.Second
		default:
			if !inTime && (unit == 'H' || unit == 'S') {
				return 0, bad(`hours, minutes and seconds need "T" (PT` + s[:i+1] + ")")
			}
			return 0, bad("unknown unit " + strconv.Quote(string(unit)))
		}
		total += n * float64(d)
		if total > math.MaxInt64 {
			return 0, bad("too long")
		}
		s = s[i+1:]
	}
	return time.Duration(total), nil
}

// FormatDuration renders d as an ISO-8601 duration ("PT1M30S").
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("P")
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dD", days)
		d -= days * 24 * time.Hour
	}
	if d == 0 {
		return b.String()
	}
	b.WriteString("T")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
		d -= m * time.Minute
	}
	if d > 0 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S")
	}
	return b.String()
}
