package apim

import "testing"

// TestFieldNotes: Raw is the recorded source text when it differs from
// the value's own and the value's text otherwise (nothing for a field
// that is not known); a field with nothing to note holds no note; copies
// share a note and an edit of one never shows in the other; Retyped keeps
// the flags, position, reason, expression and source text.
func TestFieldNotes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		f       Field[int]
		raw     string
		hasNote bool
	}{
		{"unset", Field[int]{}, "", false},
		{"literal", Field[int]{Value: 50, Set: true}.WithRaw("50"), "50", false},
		{"non-integer", Field[int]{Value: 50, Set: true}.WithRaw("50.5"), "50.5", true},
		{"exponent", Field[int]{Value: 1000, Set: true}.WithRaw("1e3"), "1e3", true},
		{"null", Field[int]{Set: true, Null: true}, "", false},
		{"unknown", Field[int]{Set: true}.WithUnknown("not a number").WithRaw("abc"), "abc", true},
		{"unknown without text", Field[int]{Set: true}.WithUnknown("parameter p has no value"), "", true},
	} {
		if got := tt.f.Raw(); got != tt.raw {
			t.Errorf("%s: Raw() = %q, want %q", tt.name, got, tt.raw)
		}
		if (tt.f.note != nil) != tt.hasNote {
			t.Errorf("%s: note %v, want one: %v", tt.name, tt.f.note, tt.hasNote)
		}
	}

	b := Field[bool]{Value: true, Set: true, Quoted: true}.WithRaw("True").WithExpr("[parameters('p')]")
	c := b
	c.SetRaw("true")
	c.SetUnknown("later")
	if b.Raw() != "True" || b.Expr() != "[parameters('p')]" || b.Unknown() != "" {
		t.Errorf("an edit of a copy changed the original: raw %q expr %q unknown %q", b.Raw(), b.Expr(), b.Unknown())
	}
	if c.Raw() != "" || c.Unknown() != "later" || c.Expr() != "[parameters('p')]" {
		t.Errorf("copy: raw %q unknown %q expr %q", c.Raw(), c.Unknown(), c.Expr())
	}
	c.SetUnknown("")
	c.SetExpr("")
	if c.note != nil || !c.Known() || c.Raw() != "true" {
		t.Errorf("cleared copy: note %v known %v raw %q", c.note, c.Known(), c.Raw())
	}

	s := Field[string]{Value: "single", Set: true, Literal: true, Pos: Position{File: "t.json", Line: 3, Col: 9}}.WithExpr("[variables('t')]").WithKey("Type")
	r := Retyped(s, Single)
	if r.Value != Single || !r.Set || !r.Literal || r.Key() != "Type" || r.Pos != s.Pos || r.Expr() != "[variables('t')]" || r.Raw() != "single" {
		t.Errorf("Retyped = %+v (raw %q, expr %q)", r, r.Raw(), r.Expr())
	}
	if u := Retyped(Field[string]{Set: true}.WithUnknown("why"), Pool); u.Unknown() != "why" || u.Known() || u.Raw() != "" {
		t.Errorf("Retyped unknown: unknown %q known %v raw %q", u.Unknown(), u.Known(), u.Raw())
	}
}
