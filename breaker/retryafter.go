package breaker

import (
	"math"
	"strings"
	"time"
)

// httpDateLayouts are the three HTTP-date forms RFC 9110 §5.6.7 requires a
// recipient to accept: IMF-fixdate, obsolete RFC 850 and asctime. They are
// net/http's, repeated here to keep the package free of net/http.
var httpDateLayouts = [...]string{
	"Mon, 02 Jan 2006 15:04:05 GMT",
	"Monday, 02-Jan-06 15:04:05 GMT",
	"Mon Jan _2 15:04:05 2006",
}

// ParseRetryAfter parses a Retry-After header value (RFC 9110 §10.2.3):
// either delay-seconds (one or more ASCII digits) or an HTTP-date. An
// HTTP-date is converted to a delay relative to now; a date in the past
// gives 0. Surrounding spaces are ignored. ok is false for an empty or
// malformed value (negative or fractional seconds included). Absurdly large
// second counts saturate at the largest time.Duration.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		const maxSeconds = int64(math.MaxInt64 / int64(time.Second))
		var secs int64
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			if secs <= maxSeconds {
				secs = secs*10 + int64(c-'0')
			}
		}
		if secs > maxSeconds {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	for _, layout := range httpDateLayouts {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}
