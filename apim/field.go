package apim

import (
	"fmt"
	"strconv"
)

// Field is one scalar property of a resource as it was declared: its value,
// whether it was set at all, where, and how. The zero Field means "not set",
// so rules can tell a default from an explicit value (tls.validateCertificateChain
// defaults to true; an explicit false is a finding).
type Field[T any] struct {
	// Value is the decoded value; the zero value when unset or unknown.
	Value T
	// Set is true when the property is present (even with null).
	Set bool
	// Null is true when the property is present with JSON null.
	Null bool
	// Quoted is true when a number or boolean was given as a JSON string
	// ("count": "3"), which Azure coerces but schema validators reject.
	Quoted bool
	// Literal is true when the value was written as a literal in the file,
	// false when it came from a parameter or expression.
	Literal bool
	// Secure is true when the value came from a secureString/secureObject
	// parameter or a Key Vault reference.
	//
	// The five flags sit together so that they share one word: a model
	// holds about a million Fields at 40,000 backends (issue 16).
	Secure bool
	// Pos is where the value is written.
	Pos Position
	// note holds what few fields carry: why the value is unknown, the ARM
	// expression it came from, its source text when that is not Value's
	// own, the property name when it is not spelled as documented
	// (Unknown, Expr, Raw, Key). Three strings on every field cost 48 bytes
	// of a model that holds about a million fields at 40,000 backends,
	// most of them set to literals (issue 16). A note is never changed
	// once made (copies of a field share it).
	note *fieldNote
}

// fieldNote is the rarely set part of a Field.
type fieldNote struct{ unknown, expr, raw, key string }

// Key is the property name as spelled in the source when the loader found
// it under another spelling than the documented one ("Percentage" for
// percentage: Azure matches names without case); "" when it is spelled as
// documented.
func (f Field[T]) Key() string {
	if f.note == nil {
		return ""
	}
	return f.note.key
}

// SetKey records the property name as spelled in the source.
func (f *Field[T]) SetKey(key string) {
	n := f.noteCopy()
	n.key = key
	f.setNote(n)
}

// WithKey returns f with the spelled property name set (for literals).
func (f Field[T]) WithKey(key string) Field[T] { f.SetKey(key); return f }

// Unknown, when non-empty, says why the value could not be resolved (an
// ARM expression over a parameter without a value, say).
func (f Field[T]) Unknown() string {
	if f.note == nil {
		return ""
	}
	return f.note.unknown
}

// Expr is the ARM expression the value came from, if any.
func (f Field[T]) Expr() string {
	if f.note == nil {
		return ""
	}
	return f.note.expr
}

// Raw is the scalar's source text ("50.5", "1e3", a quoted "True"), so
// rules can tell a non-integer from an integer after decoding: the text
// recorded with SetRaw when it differs from Value's own, else Value's
// text for a known field, else "".
func (f Field[T]) Raw() string {
	if f.note != nil && f.note.raw != "" {
		return f.note.raw
	}
	if !f.Known() {
		return ""
	}
	return f.text()
}

// text is Value's own text.
func (f Field[T]) text() string {
	switch v := any(f.Value).(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(f.Value)
}

// isText reports whether s is Value's own text, without making it for
// the common kinds: a model holds about a hundred thousand numbers at
// 40,000 backends (issue 16).
func (f Field[T]) isText(s string) bool {
	switch v := any(f.Value).(type) {
	case string:
		return v == s
	case int:
		var buf [20]byte
		return string(strconv.AppendInt(buf[:0], int64(v), 10)) == s
	case bool:
		return strconv.FormatBool(v) == s
	}
	return f.text() == s
}

// SetUnknown records why the value could not be resolved ("" clears it).
func (f *Field[T]) SetUnknown(reason string) {
	n := f.noteCopy()
	n.unknown = reason
	f.setNote(n)
}

// SetExpr records the ARM expression the value came from.
func (f *Field[T]) SetExpr(expr string) {
	n := f.noteCopy()
	n.expr = expr
	f.setNote(n)
}

// SetRaw records the value's source text; call it once Value and the
// unknown reason are final: text equal to Value's own is not stored.
func (f *Field[T]) SetRaw(raw string) {
	if raw != "" && f.Known() && f.isText(raw) {
		raw = ""
	}
	n := f.noteCopy()
	n.raw = raw
	f.setNote(n)
}

// WithUnknown returns f with the unknown reason set (for literals).
func (f Field[T]) WithUnknown(reason string) Field[T] { f.SetUnknown(reason); return f }

// WithExpr returns f with the ARM expression set (for literals).
func (f Field[T]) WithExpr(expr string) Field[T] { f.SetExpr(expr); return f }

// WithRaw returns f with the source text set (for literals).
func (f Field[T]) WithRaw(raw string) Field[T] { f.SetRaw(raw); return f }

// noteCopy returns a copy of f's note (the zero note when f has none).
func (f *Field[T]) noteCopy() fieldNote {
	if f.note == nil {
		return fieldNote{}
	}
	return *f.note
}

// setNote makes n f's note: a new one (copies of f share the old one),
// none when n is empty, and no change when n is what f holds already.
// Only a changed, non-empty note is allocated: most fields are set to
// literals and never need one (issue 16).
func (f *Field[T]) setNote(n fieldNote) {
	switch {
	case n == (fieldNote{}):
		f.note = nil
	case f.note != nil && *f.note == n:
	default:
		p := new(fieldNote)
		*p = n
		f.note = p
	}
}

// Retyped returns a field of another type with f's flags, position and
// notes, holding v (the backend type read as a string, say); Raw
// stays f's source text.
func Retyped[T, U any](f Field[T], v U) Field[U] {
	out := Field[U]{Value: v, Set: f.Set, Null: f.Null, Quoted: f.Quoted, Literal: f.Literal, Secure: f.Secure, Pos: f.Pos, note: f.note}
	if raw := f.Raw(); raw != out.Raw() {
		out.SetRaw(raw)
	}
	return out
}

// Known reports whether the field is set to a resolved, non-null value.
func (f Field[T]) Known() bool { return f.Set && !f.Null && f.Unknown() == "" }

// Or returns the value when known, else def.
func (f Field[T]) Or(def T) T {
	if f.Known() {
		return f.Value
	}
	return def
}

// At returns Pos when valid, else fallback (the enclosing node's position).
func (f Field[T]) At(fallback Position) Position {
	if f.Pos.IsValid() {
		return f.Pos
	}
	return fallback
}
