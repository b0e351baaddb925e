package arm

import (
	"errors"
	"strings"
	"testing"
)

func TestParseExpr(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"[parameters('a')]", "parameters('a')"},
		{"parameters('a')", "parameters('a')"},
		{"[concat(parameters('a'), '/x')]", "concat(parameters('a'), '/x')"},
		{"[ concat ( 'a' , 'b' ) ]", "concat('a', 'b')"},
		{"['it''s']", "'it''s'"},
		{"[createArray(1, -2, 3.5)]", "createArray(1, -2, 3.5)"},
		{"[if(true, null, false)]", "if(true, null, false)"},
		{"[resourceGroup().location]", "resourceGroup().location"},
		{"[parameters('x')[0]['key'].name]", "parameters('x')[0]['key'].name"},
		{"[reference('r').outputs.id.value]", "reference('r').outputs.id.value"},
		{"[ns.fn('a')]", "ns.fn('a')"},
		{"[true()]", "true()"},
		{"[variables('$fxv#0')]", "variables('$fxv#0')"},
	}
	for _, tt := range tests {
		x, err := ParseExpr(tt.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.in, err)
			continue
		}
		if got := x.String(); got != tt.want {
			t.Errorf("ParseExpr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseExprOffsets(t *testing.T) {
	x, err := ParseExpr("[concat(parameters('a'), 'b')]")
	if err != nil {
		t.Fatal(err)
	}
	c := x.(*Call)
	if c.Offset() != 1 || c.Args[0].Offset() != 8 || c.Args[1].Offset() != 25 {
		t.Errorf("offsets = %d %d %d, want 1 8 25", c.Offset(), c.Args[0].Offset(), c.Args[1].Offset())
	}
}

func TestParseExprErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"[]", 1, "empty expression"},
		{"concat('a'", 10, "expected ')'"},
		{"[concat('a' 'b')]", 12, "expected ',' or ')'"},
		{"['abc]", 1, "unterminated string"},
		{"[parameters]", 11, "expected '('"},
		{"[a() b()]", 5, "unexpected"},
		{"[x().]", 5, "expected property name"},
		{"[x()[0]", 6, "expected ']'"},
		{"[#]", 1, "unexpected"},
		{"concat(", 7, "unexpected end"},
	}
	for _, tt := range tests {
		_, err := ParseExpr(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseExpr(%q) error = %v, want *SyntaxError", tt.in, err)
			continue
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseExpr(%q): error does not wrap ErrSyntax", tt.in)
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("ParseExpr(%q) = offset %d %q, want offset %d containing %q", tt.in, se.Offset, se.Msg, tt.offset, tt.msg)
		}
	}
}

func TestParseExprDepthLimit(t *testing.T) {
	s := "["
	for range 1000 {
		s += "f("
	}
	for range 1000 {
		s += ")"
	}
	s += "]"
	if _, err := ParseExpr(s); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("deep expression: err = %v, want depth error", err)
	}
}

func TestIsExpression(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"[x()]", true},
		{"[[x()]", false},
		{"[x()", false},
		{"x()]", false},
		{"plain", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isExpression(tt.in); got != tt.want {
			t.Errorf("isExpression(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
