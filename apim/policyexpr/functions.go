package policyexpr

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/expr-lang/expr"
)

// Runtime failures, each the emulation of the .NET exception named in its
// message. They reach callers wrapped in *RuntimeError.
var (
	errKeyNotFound = errors.New("KeyNotFoundException")
	errInvalidCast = errors.New("InvalidCastException")
	errFormat      = errors.New("FormatException")
	errOverflow    = errors.New("OverflowException")
	errArgRange    = errors.New("ArgumentOutOfRangeException")
	errArgument    = errors.New("ArgumentException")
	errDivide      = errors.New("DivideByZeroException")
	errIndexRange  = errors.New("IndexOutOfRangeException")
	errBadArgs     = errors.New("internal: helper called with unexpected argument types")
)

// helper is one function the translated expr-lang source can call. sigs are
// the typed signatures expr checks calls against at compile time.
type helper struct {
	name string
	fn   func(args ...any) (any, error)
	sigs []any
}

// Argument accessors: expr checks the static types against sigs, so a
// mismatch here is a bug in the translator; it becomes errBadArgs, never a
// panic.

func argStr(a []any, i int) (string, bool) {
	if i >= len(a) {
		return "", false
	}
	s, ok := a[i].(string)
	return s, ok
}

func argInt(a []any, i int) (int, bool) {
	if i >= len(a) {
		return 0, false
	}
	n, ok := a[i].(int)
	return n, ok
}

func argHeader(a []any, i int) (http.Header, bool) {
	if i >= len(a) {
		return nil, false
	}
	switch h := a[i].(type) {
	case http.Header:
		return h, true
	case nil:
		return nil, true
	}
	return nil, false
}

func argCtx(a []any, i int) (*Context, bool) {
	if i >= len(a) {
		return nil, false
	}
	c, ok := a[i].(*Context)
	return c, ok
}

func argVars(a []any, i int) (map[string]any, bool) {
	if i >= len(a) {
		return nil, false
	}
	m, ok := a[i].(map[string]any)
	return m, ok || a[i] == nil
}

func argTime(a []any, i int) (time.Time, bool) {
	if i >= len(a) {
		return time.Time{}, false
	}
	t, ok := a[i].(time.Time)
	return t, ok
}

func argDur(a []any, i int) (time.Duration, bool) {
	if i >= len(a) {
		return 0, false
	}
	d, ok := a[i].(time.Duration)
	return d, ok
}

func argStrings(a []any, from int) ([]string, bool) {
	out := make([]string, 0, len(a)-from)
	for i := from; i < len(a); i++ {
		s, ok := a[i].(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func bad(name string) error { return fmt.Errorf("%w: %s", errBadArgs, name) }

// maxExprNodes is the expr-lang node budget of one translated program.
const maxExprNodes = 8 * maxSteps

// exprOptions returns the compile options shared by every program: the
// typed environment and the helper functions.
func exprOptions() []expr.Option {
	// The translator bounds its own work (maxSteps C# nodes); each C# node
	// becomes a few expr nodes (csI32 wraps every int operation), so lift
	// expr's default node limit (10000) above what maxSteps can produce.
	opts := []expr.Option{expr.Env(Context{}), expr.MaxNodes(maxExprNodes)}
	for _, h := range allHelpers() {
		opts = append(opts, expr.Function(h.name, h.fn, h.sigs...))
	}
	return opts
}

// allHelpers gathers the helper tables of the runtime files.
func allHelpers() []helper {
	var all []helper
	all = append(all, dictHelpers...)
	all = append(all, convHelpers...)
	all = append(all, stringHelpers...)
	all = append(all, timeHelpers...)
	return all
}
