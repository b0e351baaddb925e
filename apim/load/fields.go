package load

import (
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// decoder turns jsontree values into typed apim.Fields, recording load
// issues (type mismatches) as it goes.
type decoder struct {
	issues *[]*apim.Error
	// paths holds the JSON paths of the model's positions (at).
	paths jsontree.Paths
}

// at returns where v starts, with its JSON path.
func (d *decoder) at(v *jsontree.Value) apim.Position { return d.paths.Position(v) }

func (d *decoder) issue(pos apim.Position, code apim.Code, format string, args ...any) {
	*d.issues = append(*d.issues, apim.Errorf(pos, code, format, args...))
}

// base fills the common part of a field from member m (nil = unset),
// found under the documented name want.
func base[T any](m *jsontree.Member, want string) apim.Field[T] {
	var f apim.Field[T]
	if m == nil {
		return f
	}
	v := m.Value
	f.Set = true
	if m.Key != want {
		f.SetKey(m.Key) // another case: Azure matches names without it
	}
	f.Pos = v.Position()
	if e := v.Expr(); e != "" {
		f.SetExpr(e)
	}
	f.Literal = v.Origin == jsontree.Literal
	f.Secure = v.Origin == jsontree.SecureParameter || v.Origin == jsontree.Reference
	switch v.Kind {
	case jsontree.Null:
		f.Null = true
	case jsontree.Unknown:
		reason := v.Reason()
		if reason == "" {
			reason = "value could not be resolved"
		}
		f.SetUnknown(reason)
	}
	return f
}

func (d *decoder) str(obj *jsontree.Value, key string) apim.Field[string] {
	m := obj.Member(key)
	return d.strOf(m, key)
}

func (d *decoder) strOf(m *jsontree.Member, want string) apim.Field[string] {
	f := base[string](m, want)
	if m == nil || f.Null || f.Unknown() != "" {
		return f
	}
	switch m.Value.Kind {
	case jsontree.String:
		f.Value = m.Value.Str
	case jsontree.Number, jsontree.Bool:
		f.Value = scalarText(m.Value)
	default:
		d.issue(f.Pos, apim.Malformed, "%s: expected a string, got %s", m.Key, m.Value.Kind)
		f.SetUnknown("not a string")
	}
	return f // Raw is Value itself
}

func scalarText(v *jsontree.Value) string {
	if v.Kind == jsontree.Bool {
		return strconv.FormatBool(v.Bool)
	}
	return v.Str
}

func (d *decoder) boolean(obj *jsontree.Value, key string) apim.Field[bool] {
	m := obj.Member(key)
	f := base[bool](m, key)
	if m == nil || f.Null || f.Unknown() != "" {
		return f
	}
	switch m.Value.Kind {
	case jsontree.Bool:
		f.Value = m.Value.Bool // Raw is Value's own text
	case jsontree.String:
		// Azure's JSON deserialiser coerces "true"/"false".
		b, err := strconv.ParseBool(strings.TrimSpace(m.Value.Str))
		if err != nil {
			d.issue(f.Pos, apim.Malformed, "%s: expected true or false, got %q", m.Key, m.Value.Str)
			f.SetUnknown("not a boolean")
			return f
		}
		f.Value, f.Quoted = b, true
		f.SetRaw(m.Value.Str) // " true", "True": kept when not Value's own text
	default:
		d.issue(f.Pos, apim.Malformed, "%s: expected a boolean, got %s", m.Key, m.Value.Kind)
		f.SetUnknown("not a boolean")
	}
	return f
}

func (d *decoder) integer(obj *jsontree.Value, key string) apim.Field[int] {
	m := obj.Member(key)
	f := base[int](m, key)
	if m == nil || f.Null || f.Unknown() != "" {
		return f
	}
	text := ""
	switch m.Value.Kind {
	case jsontree.Number:
		text = m.Value.Str
	case jsontree.String:
		text = strings.TrimSpace(m.Value.Str)
		f.Quoted = true
	default:
		d.issue(f.Pos, apim.Malformed, "%s: expected a number, got %s", m.Key, m.Value.Kind)
		f.SetUnknown("not a number")
		return f
	}
	if n, err := strconv.Atoi(text); err == nil {
		f.Value = n
		f.SetRaw(text) // kept when not Value's own text ("007", "+5")
		return f
	}
	fl, err := strconv.ParseFloat(text, 64)
	if err != nil {
		d.issue(f.Pos, apim.Malformed, "%s: expected a number, got %q", m.Key, text)
		f.SetUnknown("not a number")
		f.SetRaw(text)
		return f
	}
	// Keep the truncated value; rules read Raw to report non-integers.
	f.Value = int(fl)
	f.SetRaw(text)
	return f
}

func (d *decoder) duration(obj *jsontree.Value, key string) apim.Duration {
	dur := apim.Duration{Field: d.str(obj, key)}
	if dur.Known() {
		dur.D, dur.Err = apim.ParseDuration(dur.Value)
	}
	return dur
}

func (d *decoder) strList(obj *jsontree.Value, key string) []apim.Field[string] {
	m := obj.Member(key)
	if m == nil || m.Value.Kind == jsontree.Null {
		return nil
	}
	if m.Value.Kind == jsontree.Unknown {
		f := base[string](m, key)
		return []apim.Field[string]{f}
	}
	if m.Value.Kind != jsontree.Array {
		d.issue(m.Value.Position(), apim.Malformed, "%s: expected an array, got %s", m.Key, m.Value.Kind)
		return nil
	}
	out := make([]apim.Field[string], 0, len(m.Value.Elems()))
	for _, e := range m.Value.Elems() {
		out = append(out, d.strOf(&jsontree.Member{Key: m.Key, KeyPos: m.KeyPos, Value: e}, key))
	}
	return out
}

// object returns obj[key] when it is an object; reports other kinds.
func (d *decoder) object(obj *jsontree.Value, key string) *jsontree.Value {
	v := obj.Get(key)
	if v == nil || v.Kind == jsontree.Null || v.Kind == jsontree.Unknown {
		return nil
	}
	if v.Kind != jsontree.Object {
		d.issue(v.Position(), apim.Malformed, "%s: expected an object, got %s", key, v.Kind)
		return nil
	}
	return v
}

// array returns obj[key]'s elements when it is an array.
func (d *decoder) array(obj *jsontree.Value, key string) []*jsontree.Value {
	v := obj.Get(key)
	if v == nil || v.Kind == jsontree.Null || v.Kind == jsontree.Unknown {
		return nil
	}
	if v.Kind != jsontree.Array {
		d.issue(v.Position(), apim.Malformed, "%s: expected an array, got %s", key, v.Kind)
		return nil
	}
	return v.Elems()
}
