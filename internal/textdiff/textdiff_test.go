package textdiff

import "testing"

func TestFirst(t *testing.T) {
	for _, tt := range []struct{ want, got, diff string }{
		{"a\nb", "a\nb", ""},
		{"a\nb", "a\nc", "line 2:\n got: c\nwant: b"},
		{"a", "a\nextra", "line 2:\n got: extra\nwant: "},
		{"a\nmissing", "a", "line 2:\n got: \nwant: missing"},
	} {
		if d := First(tt.want, tt.got); d != tt.diff {
			t.Errorf("First(%q, %q) = %q, want %q", tt.want, tt.got, d, tt.diff)
		}
	}
}
