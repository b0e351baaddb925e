package arm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// maxCopyCount is ARM's limit on the count of one copy loop.
const maxCopyCount = 800

// resolve returns the resolved form of a template JSON value: expression
// strings are evaluated, "[[" escapes are undone and property "copy" arrays
// are expanded. With report set, unknown values are recorded as issues at the
// expression that produced them.
//
// Sub-trees without expressions are returned as they are (shared with the
// template, never modified), so resolving a large literal configuration
// allocates little. Rebuilt nodes and expression results carry the Pos of the
// template node they replace but no parent link: their Path() is not
// meaningful (computing template paths for every rebuilt node cost more than
// the rest of the resolution).
func (e *env) resolve(v *value, report bool) *value {
	if v == nil {
		return nullVal()
	}
	switch v.Kind {
	case jsontree.String:
		if isExpression(v.Str) {
			return e.evalString(v, report)
		}
		s, esc := unescapeLiteral(v.Str)
		if !esc {
			return v
		}
		return &value{Kind: jsontree.String, Str: s, Pos: v.Pos, Origin: jsontree.Literal}
	case jsontree.Object:
		var out []jsontree.Member // nil until a member changes
		for i, m := range v.Members() {
			if len(m.Key) == 4 && strings.EqualFold(m.Key, "copy") && isCopyArray(m.Value) {
				if out == nil {
					out = append(make([]jsontree.Member, 0, len(v.Members())+len(m.Value.Elems())), v.Members()[:i]...)
				}
				for _, c := range m.Value.Elems() {
					out = append(out, jsontree.Member{Key: c.Get("name").Text(), KeyPos: c.Pos, Value: e.copyArray(c, report)})
				}
				continue
			}
			key := m.Key
			if len(key) > 0 && key[0] == '[' && isExpression(key) {
				key = e.evalKey(m, report)
			}
			nv := m.Value
			if k := nv.Kind; k == jsontree.Object || k == jsontree.Array || k == jsontree.String && len(nv.Str) > 0 && nv.Str[0] == '[' {
				nv = e.resolve(nv, report)
			}
			if out == nil && (nv != m.Value || key != m.Key) {
				out = append(make([]jsontree.Member, 0, len(v.Members())), v.Members()[:i]...)
			}
			if out != nil {
				out = append(out, jsontree.Member{Key: key, KeyPos: m.KeyPos, Value: nv})
			}
		}
		if out == nil {
			return v
		}
		return (&value{Kind: jsontree.Object, Pos: v.Pos, Origin: jsontree.Literal}).WithMembers(out).DerivedFrom(v)
	case jsontree.Array:
		var out []*value
		for i, el := range v.Elems() {
			nv := e.resolve(el, report)
			if out == nil && nv != el {
				out = append(make([]*value, 0, len(v.Elems())), v.Elems()[:i]...)
			}
			if out != nil {
				out = append(out, nv)
			}
		}
		if out == nil {
			return v
		}
		return (&value{Kind: jsontree.Array, Pos: v.Pos, Origin: jsontree.Literal}).WithElems(out).DerivedFrom(v)
	}
	return v
}

// isCopyArray reports whether v is a property copy declaration:
// [{"name": ..., "count": ..., "input": ...}, ...].
func isCopyArray(v *value) bool {
	if v.Kind != jsontree.Array || len(v.Elems()) == 0 {
		return false
	}
	for _, c := range v.Elems() {
		if c.Kind != jsontree.Object || c.Get("name").Text() == "" || c.Get("count") == nil {
			return false
		}
	}
	return true
}

// evalKey evaluates an expression used as a property name. An unresolvable
// key keeps its source text.
func (e *env) evalKey(m jsontree.Member, report bool) string {
	k := e.evalString(&value{Kind: jsontree.String, Str: m.Key, Pos: m.KeyPos}, report)
	if k.Kind == jsontree.String {
		return k.Str
	}
	if !isUnknown(k) && k.Kind != jsontree.Object && k.Kind != jsontree.Array {
		return toText(k)
	}
	return m.Key
}

// evalString evaluates an expression string and places the result where the
// string was written.
func (e *env) evalString(v *value, report bool) *value {
	r := e.s.r
	x, err := r.parse(v.Str)
	if err != nil {
		pos := v.Pos
		var se *SyntaxError
		if errors.As(err, &se) {
			// Col points at the opening quote; the offset is into the
			// string's content (exact unless the JSON string has escapes).
			pos = pos.Shift(1 + se.Offset)
			err = errors.New(se.Msg)
		}
		reason := fmt.Sprintf("malformed expression %s: %v", clip(v.Str), err)
		r.invalid[reason] = true
		r.structural[reason] = true
		u := unknownVal(reason)
		r.unknownAt(u, pos)
		u.Pos = v.Pos
		u.SetExpr(v.Str)
		return u
	}
	before := r.defaultReads
	var out *value
	owned := false
	r.evaluating++ // x is in use (parse); not decremented on a panic
	if c, ok := x.(*Call); ok {
		out, owned = e.callOwned(c)
	} else {
		out = e.eval(x)
	}
	r.evaluating--
	if report {
		if u := findUnknown(out); u != nil {
			r.unknownFrom(u, v.Pos, r.defaultReads > before)
		}
	}
	return place(out, v, owned)
}

// place returns a copy of an expression result positioned at the expression
// string src. Only the top node is copied: values are immutable, so members
// of composite results are shared. A result the caller owns (newly built
// and shared with nothing: callOwned) is positioned in place instead of
// copied (issue 16: a copy per expression).
//
// Members of a composite result that carry no position (built by
// createObject(), createArray(), union() and the like) are given the
// expression's position, on copies: a finding on them then names the
// expression that built them rather than no file at all.
func place(out, src *value, owned bool) *value {
	c := out
	if !owned {
		cp := *out
		c = &cp
	}
	c.Pos = src.Pos
	c.SetExpr(src.Str)
	if c.Origin == jsontree.Literal {
		c.Origin = jsontree.Computed
	}
	copied := false
	switch c.Kind {
	case jsontree.Object:
		for i, m := range out.Members() {
			p := positioned(m.Value, src.Pos)
			if p == m.Value && m.KeyPos.IsValid() {
				continue
			}
			if !copied {
				c.SetMembers(append([]jsontree.Member(nil), out.Members()...))
				copied = true
			}
			c.Members()[i].Value = p
			if !m.KeyPos.IsValid() {
				c.Members()[i].KeyPos = src.Pos
			}
		}
	case jsontree.Array:
		for i, el := range out.Elems() {
			p := positioned(el, src.Pos)
			if p == el {
				continue
			}
			if !copied {
				c.SetElems(append([]*value(nil), out.Elems()...))
				copied = true
			}
			c.Elems()[i] = p
		}
	}
	return c.DerivedFrom(src)
}

// positioned returns v, or a copy of it placed at loc when v (or a member
// inside it) has no position.
func positioned(v *value, loc jsontree.Loc) *value {
	if v == nil || v.Pos.IsValid() {
		return v
	}
	cp := *v
	c := &cp
	c.Pos = loc
	switch c.Kind {
	case jsontree.Object:
		c.SetMembers(append([]jsontree.Member(nil), v.Members()...))
		for i := range c.Members() {
			c.Members()[i].Value = positioned(c.Members()[i].Value, loc)
			if !c.Members()[i].KeyPos.IsValid() {
				c.Members()[i].KeyPos = loc
			}
		}
	case jsontree.Array:
		c.SetElems(append([]*value(nil), v.Elems()...))
		for i := range c.Elems() {
			c.Elems()[i] = positioned(c.Elems()[i], loc)
		}
	}
	return c
}

func clip(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// count evaluates the count of a copy loop. reason is non-empty when the
// count is unknown or invalid.
func (e *env) count(v *value, report bool) (int64, string) {
	if v == nil {
		u := e.invalid(nil, "copy loop has no count")
		return 0, u.Reason()
	}
	c := e.resolve(v, report)
	if isUnknown(c) {
		return 0, c.Reason()
	}
	n, ok := asInt(c)
	switch {
	case !ok:
		return 0, e.invalid(nil, "copy count must be an integer, got %s", c.Kind).Reason()
	case n < 0:
		return 0, e.invalid(nil, "copy count %d is negative", n).Reason()
	case n > maxCopyCount:
		return 0, e.invalid(nil, "copy count %d exceeds the ARM limit of %d", n, maxCopyCount).Reason()
	}
	return n, ""
}

// copyArray expands one property or variable copy declaration
// {"name", "count", "input"} into an array.
func (e *env) copyArray(c *value, report bool) *value {
	n, reason := e.count(c.Get("count"), report)
	if reason != "" {
		u := unknownVal(reason)
		u.Pos = c.Pos
		if report {
			e.s.r.unknownAt(u, c.Pos)
		}
		return u
	}
	input := c.Get("input")
	if input == nil {
		u := e.invalid(nil, "copy %q has no input", c.Get("name").Text())
		u.Pos = c.Pos
		if report {
			e.s.r.unknownAt(u, c.Pos)
		}
		return u
	}
	name := strings.ToLower(c.Get("name").Text())
	out := (&value{Kind: jsontree.Array, Pos: c.Pos, Origin: jsontree.Computed}).WithElems(make([]*value, 0, n))
	for i := int64(0); i < n; i++ {
		out.SetElems(append(out.Elems(), e.withLoop(loop{name: name, idx: i}).resolve(input, report)))
	}
	return out
}
