package apim

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
	// Unknown, when non-empty, says why the value could not be resolved
	// (an ARM expression over a parameter without a value, say).
	Unknown string
	// Pos is where the value is written.
	Pos Position
	// Key is the property name as spelled in the source (for case checks).
	Key string
	// Expr is the ARM expression the value came from, if any.
	Expr string
	// Raw is the scalar's source text for numbers ("50.5"), so rules can
	// tell a non-integer from an integer after decoding.
	Raw string
}

// Known reports whether the field is set to a resolved, non-null value.
func (f Field[T]) Known() bool { return f.Set && !f.Null && f.Unknown == "" }

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
