package policyexpr

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/apimlab/apimlab/apim"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Translate translates C# policy expression source to expr-lang source.
// src excludes the @( ) or @{ } wrapper; block selects @{ } statement
// syntax. Errors locate offsets from line 1, column 1 of src; use Compile
// for errors positioned in the policy file.
func Translate(src string, block bool) (string, error) {
	code, _, err := translate(src, block)
	if err != nil {
		return "", toPublic(err, src, apim.Position{Line: 1, Col: 1})
	}
	return code, nil
}

// Check reports what Compile would report for src — syntax and type
// errors, types outside the allowed list, unsupported constructs — without
// building the expr-lang program, so a linter can check thousands of
// expressions cheaply. Positions count from line 1, column 1 of src. A nil
// error means Compile succeeds, unless the expr-lang compiler rejects the
// translation (a translator gap Compile reports as ErrType).
func Check(src string, block bool) error {
	_, _, err := translate(src, block)
	var se *srcErr
	if err != nil && errors.As(err, &se) && se.kind == ErrUnsupported {
		_, err = compileInterp(src, block)
	}
	if err != nil {
		return toPublic(err, src, apim.Position{Line: 1, Col: 1})
	}
	return nil
}

// translate returns the expr-lang code and the C# result type.
func translate(src string, block bool) (string, ctype, error) {
	c := &checker{src: src, sc: scope{vars: map[string]local{}}}
	if !block {
		x, err := parseExprSource(src, 0, len(src))
		if err != nil {
			return "", ctype{}, err
		}
		v, err := c.value(x)
		if err != nil {
			return "", ctype{}, err
		}
		if v.t.k == kRandom || v.t.k == kNav {
			return "", ctype{}, unsupported(0, "expression of type %s as a policy value", v.t)
		}
		return v.code, v.t, nil
	}
	list, err := parseBlockSource(src)
	if err != nil {
		return "", ctype{}, err
	}
	code, err := c.seq(list, nil, len(src))
	if err != nil {
		return "", ctype{}, err
	}
	t := c.retTypes[0]
	for _, r := range c.retTypes[1:] {
		switch {
		case r == t:
		case r.k == kNull && nullable(t):
		case t.k == kNull && nullable(r):
			t = r
		default:
			t = tyObject // APIM boxes block results to object
		}
	}
	return code, t, nil
}

// Program is a compiled policy expression. It is immutable and safe for
// concurrent use; each Run needs its own *Context.
type Program struct {
	src        string
	block      bool
	pos        apim.Position
	code       string
	resultType ctype
	prog       *vm.Program
	vms        sync.Pool
	// interp runs the program when the expr-lang translator reported a
	// construct it cannot express (interp.go); prog is then nil.
	interp *interpProgram
}

// Compile translates src (without its @( ) or @{ } wrapper; block selects
// @{ }) and compiles it against Context. pos is the position of the first
// byte of src in the policy file; error positions advance from it by
// lines and byte columns. Errors are *UnsupportedError or *Error wrapping
// ErrSyntax or ErrType.
func Compile(src string, block bool, pos apim.Position) (*Program, error) {
	code, t, err := translate(src, block)
	if err != nil {
		var se *srcErr
		if errors.As(err, &se) && se.kind == ErrUnsupported {
			ip, ierr := compileInterp(src, block)
			if ierr != nil {
				return nil, toPublic(ierr, src, pos)
			}
			return &Program{src: src, block: block, pos: pos, resultType: tyObject, interp: ip}, nil
		}
		return nil, toPublic(err, src, pos)
	}
	prog, err := expr.Compile(code, exprOptions()...)
	if err != nil {
		// The checker types every node, so this is a translator gap; report
		// it as a type error at the expression rather than crash later.
		return nil, &Error{Pos: pos, Kind: ErrType, Msg: fmt.Sprintf("translated expression does not compile: %v", firstLine(err.Error()))}
	}
	return &Program{src: src, block: block, pos: pos, code: code, resultType: t, prog: prog}, nil
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// Source returns the C# source the program was compiled from.
func (p *Program) Source() string { return p.src }

// Block reports whether the source is a @{ } statement block.
func (p *Program) Block() bool { return p.block }

// Pos returns the position of the expression in the policy source.
func (p *Program) Pos() apim.Position { return p.pos }

// Translated returns the expr-lang source the program runs, or "" when the
// program runs on the interpreter (see Interpreted).
func (p *Program) Translated() string { return p.code }

// Interpreted reports whether the program runs on the tree-walking
// interpreter rather than as an expr-lang program: its source uses a
// construct expr-lang cannot express (lambdas, loops, try/catch, JSON, …).
func (p *Program) Interpreted() bool { return p.interp != nil }

// ResultType names the C# static type of the result: "string", "int",
// "bool", "double", "char", "object", "string[]", "DateTime", "TimeSpan",
// "Guid" or "null". Loaders use it to reject, say, a non-bool condition.
func (p *Program) ResultType() string { return p.resultType.String() }

// Run evaluates the program against ctx. Results are Go values: string, int,
// float64, bool, []string, time.Time, time.Duration or nil; a char or Guid
// is a string. Failures are *RuntimeError wrapping ErrRuntime.
func (p *Program) Run(ctx *Context) (any, error) {
	if ctx == nil {
		ctx = &Context{}
	}
	if p.interp != nil {
		out, err := p.interp.eval(ctx)
		if err != nil {
			return nil, &RuntimeError{Pos: p.pos, Err: err}
		}
		return out, nil
	}
	m, _ := p.vms.Get().(*vm.VM)
	if m == nil {
		m = &vm.VM{}
	}
	out, err := m.Run(p.prog, ctx)
	p.vms.Put(m)
	if err != nil {
		return nil, &RuntimeError{Pos: p.pos, Err: unwrapExprErr(err)}
	}
	return out, nil
}

// unwrapExprErr strips expr's source excerpt (which shows the translated
// code, meaningless to a policy author) but keeps the cause for errors.Is.
func unwrapExprErr(err error) error {
	var fe interface{ Unwrap() error }
	if errors.As(err, &fe) {
		if inner := fe.Unwrap(); inner != nil {
			return inner
		}
	}
	return errors.New(firstLine(err.Error()))
}

// RunString evaluates the program and converts the result to the string a
// policy attribute receives (.NET ToString formatting; null is "").
func (p *Program) RunString(ctx *Context) (string, error) {
	v, err := p.Run(ctx)
	if err != nil {
		return "", err
	}
	return toString(v), nil
}

// RunBool evaluates a condition. A non-bool result is a runtime error, as
// APIM rejects a condition that does not yield a Boolean.
func (p *Program) RunBool(ctx *Context) (bool, error) {
	v, err := p.Run(ctx)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, &RuntimeError{Pos: p.pos, Err: castError(v, "System.Boolean")}
	}
	return b, nil
}

// RunInt evaluates an integer-valued attribute (retry count, status code).
func (p *Program) RunInt(ctx *Context) (int, error) {
	v, err := p.Run(ctx)
	if err != nil {
		return 0, err
	}
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		// A long (ToUnixTimeSeconds(), long.Parse) in Int32 range, as the
		// attribute's string form would parse.
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), nil
		}
		return 0, &RuntimeError{Pos: p.pos, Err: fmt.Errorf("%w: value %d was either too large or too small for an Int32", errOverflow, n)}
	case *jValue:
		if i, err := jValueTo(n, "int"); err == nil {
			return i.(int), nil
		}
	case string:
		i, err := parseInt(n)
		if err != nil {
			return 0, &RuntimeError{Pos: p.pos, Err: err}
		}
		return i, nil
	}
	return 0, &RuntimeError{Pos: p.pos, Err: castError(v, "System.Int32")}
}
