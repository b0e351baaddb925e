package breaker

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseRetryAfter checks ParseRetryAfter on arbitrary header values:
// it never panics, never returns a negative delay, agrees with an
// independent reading of delay-seconds, and accepts every HTTP-date it
// formats itself. make test runs it briefly; docs/benchmarks.md names the
// 10-minute run.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", " 5 ", "99999999999999999999999", "-5", "1.5", "", "Sun, 01 Jun 2025 12:00:30 GMT",
		"Sunday, 01-Jun-25 12:01:00 GMT", "Sun Jun  1 12:00:10 2025", "tomorrow", "\x00", "0x10", "+5", "5 5"} {
		f.Add(s, int64(1748779200))
	}
	f.Fuzz(func(t *testing.T, v string, nowUnix int64) {
		now := time.Unix(nowUnix&(1<<34-1), 0).UTC() // years 1970..2514: four-digit years
		d, ok := ParseRetryAfter(v, now)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v < 0", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false: a refused value must give 0", v, d)
		}
		s := strings.TrimSpace(v)
		if digitsOnly(s) {
			if !ok {
				t.Fatalf("ParseRetryAfter(%q) refused delay-seconds", v)
			}
			want := time.Duration(math.MaxInt64)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n <= math.MaxInt64/int64(time.Second) {
				want = time.Duration(n) * time.Second
			}
			if d != want {
				t.Fatalf("ParseRetryAfter(%q) = %v, want %v", v, d, want)
			}
		}
		// A date the fuzzer's seconds describe, written as IMF-fixdate,
		// parses back to its distance from now (0 when past).
		at := now.Add(time.Duration(len(v)) * time.Second)
		d2, ok2 := ParseRetryAfter(at.Format(httpDateLayouts[0]), now)
		if !ok2 || d2 != time.Duration(len(v))*time.Second {
			t.Fatalf("IMF-fixdate %s: %v %v, want %ds", at.Format(httpDateLayouts[0]), d2, ok2, len(v))
		}
	})
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
