package arm

import (
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

func fnEmpty(e *env, c *Call, a []*value) *value {
	v := a[0]
	switch v.Kind {
	case jsontree.Null:
		return boolVal(true)
	case jsontree.String:
		return boolVal(v.Str == "")
	case jsontree.Array:
		return boolVal(len(v.Elems()) == 0)
	case jsontree.Object:
		return boolVal(len(v.Members()) == 0)
	}
	return e.invalid(c, "argument must be a string, array, object or null, got %s", v.Kind)
}

func fnLength(e *env, c *Call, a []*value) *value {
	v := a[0]
	switch v.Kind {
	case jsontree.String:
		return intVal(int64(utf16Len(v.Str)))
	case jsontree.Array:
		return intVal(int64(len(v.Elems())))
	case jsontree.Object:
		return intVal(int64(len(v.Members())))
	}
	return e.invalid(c, "argument must be a string, array or object, got %s", v.Kind)
}

// fnCreateObject builds an object from key/value pairs; values may be
// unknown (the object is still known), keys may not.
func fnCreateObject(e *env, c *Call, a []*value) *value {
	if len(a)%2 != 0 {
		return e.invalid(c, "expects key/value pairs, got %d argument(s)", len(a))
	}
	out := make([]jsontree.Member, 0, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		if isUnknown(a[i]) {
			return a[i]
		}
		if a[i].Kind != jsontree.String {
			return e.invalid(c, "key %d must be a string, got %s", i/2+1, a[i].Kind)
		}
		out = setMember(out, a[i].Str, a[i+1])
	}
	return objVal(out)
}

// setMember replaces (case-insensitively) or appends a member.
func setMember(ms []jsontree.Member, key string, v *value) []jsontree.Member {
	for i := range ms {
		if strings.EqualFold(ms[i].Key, key) {
			ms[i] = jsontree.Member{Key: ms[i].Key, Value: v}
			return ms
		}
	}
	return append(ms, jsontree.Member{Key: key, Value: v})
}

func fnCreateArray(_ *env, _ *Call, a []*value) *value {
	return arrVal(append([]*value(nil), a...))
}

func fnArray(_ *env, _ *Call, a []*value) *value {
	if a[0].Kind == jsontree.Array {
		return a[0]
	}
	return arrVal([]*value{a[0]})
}

// fnUnion merges objects (later members win, nested objects merged deeply)
// or unions arrays (duplicates dropped, order kept).
func fnUnion(e *env, c *Call, a []*value) *value {
	switch a[0].Kind {
	case jsontree.Object:
		var out *value = objVal(nil)
		for i, v := range a {
			if v.Kind == jsontree.Null {
				continue
			}
			if v.Kind != jsontree.Object {
				return e.invalid(c, "argument %d must be an object like the first, got %s", i+1, v.Kind)
			}
			out = mergeObjects(out, v)
		}
		return out
	case jsontree.Array:
		var out []*value
		for i, v := range a {
			if v.Kind == jsontree.Null {
				continue
			}
			if v.Kind != jsontree.Array {
				return e.invalid(c, "argument %d must be an array like the first, got %s", i+1, v.Kind)
			}
			for _, el := range v.Elems() {
				if u := findUnknown(el); u != nil {
					return u
				}
				if !containsValue(out, el) {
					out = append(out, el)
				}
			}
		}
		return arrVal(out)
	}
	return e.invalid(c, "arguments must be objects or arrays, got %s", a[0].Kind)
}

func mergeObjects(x, y *value) *value {
	out := append([]jsontree.Member(nil), x.Members()...)
	for _, m := range y.Members() {
		if old := x.Get(m.Key); old != nil && old.Kind == jsontree.Object && m.Value.Kind == jsontree.Object {
			out = setMember(out, m.Key, mergeObjects(old, m.Value))
			continue
		}
		out = setMember(out, m.Key, m.Value)
	}
	return objVal(out)
}

func containsValue(list []*value, v *value) bool {
	for _, el := range list {
		if equalValues(el, v) {
			return true
		}
	}
	return false
}

func fnIntersection(e *env, c *Call, a []*value) *value {
	for _, v := range a {
		if u := findUnknown(v); u != nil {
			return u
		}
	}
	switch a[0].Kind {
	case jsontree.Object:
		var out []jsontree.Member
		for _, m := range a[0].Members() {
			keep := true
			for _, o := range a[1:] {
				if o.Kind != jsontree.Object {
					return e.invalid(c, "arguments must all be objects")
				}
				if ov := o.Get(m.Key); ov == nil || !equalValues(ov, m.Value) {
					keep = false
				}
			}
			if keep {
				out = append(out, m)
			}
		}
		return objVal(out)
	case jsontree.Array:
		var out []*value
		for _, el := range a[0].Elems() {
			keep := !containsValue(out, el)
			for _, o := range a[1:] {
				if o.Kind != jsontree.Array {
					return e.invalid(c, "arguments must all be arrays")
				}
				keep = keep && containsValue(o.Elems(), el)
			}
			if keep {
				out = append(out, el)
			}
		}
		return arrVal(out)
	}
	return e.invalid(c, "arguments must be objects or arrays, got %s", a[0].Kind)
}

// fnShallowMerge merges an array of objects; later members replace earlier
// ones without deep merging.
func fnShallowMerge(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.Array {
		return e.invalid(c, "argument must be an array of objects, got %s", a[0].Kind)
	}
	var out []jsontree.Member
	for _, o := range a[0].Elems() {
		switch o.Kind {
		case jsontree.Unknown:
			return o
		case jsontree.Null:
			continue
		case jsontree.Object:
			for _, m := range o.Members() {
				out = setMember(out, m.Key, m.Value)
			}
		default:
			return e.invalid(c, "array elements must be objects, got %s", o.Kind)
		}
	}
	return objVal(out)
}

// fnContains: substring (case-sensitive), array element, or object key
// (case-insensitive).
func fnContains(e *env, c *Call, a []*value) *value {
	x, y := a[0], a[1]
	switch x.Kind {
	case jsontree.String:
		if u := findUnknown(y); u != nil {
			return u
		}
		return boolVal(strings.Contains(x.Str, toText(y)))
	case jsontree.Array:
		if u := findUnknown(y); u != nil {
			return u
		}
		for _, el := range x.Elems() {
			if isUnknown(el) {
				return el
			}
		}
		return boolVal(containsValue(x.Elems(), y))
	case jsontree.Object:
		if y.Kind != jsontree.String {
			return e.invalid(c, "key must be a string, got %s", y.Kind)
		}
		return boolVal(x.Get(y.Str) != nil)
	}
	return e.invalid(c, "container must be a string, array or object, got %s", x.Kind)
}

func fnFirst(e *env, c *Call, a []*value) *value {
	switch v := a[0]; v.Kind {
	case jsontree.String:
		if v.Str == "" {
			return strVal("")
		}
		return strVal(utf16Slice(v.Str, 0, 1))
	case jsontree.Array:
		if len(v.Elems()) == 0 {
			return nullVal()
		}
		return v.Elems()[0]
	}
	return e.invalid(c, "argument must be a string or an array, got %s", a[0].Kind)
}

func fnLast(e *env, c *Call, a []*value) *value {
	switch v := a[0]; v.Kind {
	case jsontree.String:
		n := utf16Len(v.Str)
		if n == 0 {
			return strVal("")
		}
		return strVal(utf16Slice(v.Str, n-1, n))
	case jsontree.Array:
		if len(v.Elems()) == 0 {
			return nullVal()
		}
		return v.Elems()[len(v.Elems())-1]
	}
	return e.invalid(c, "argument must be a string or an array, got %s", a[0].Kind)
}

// skipTake implements skip() and take(): counts are clamped to the length.
func skipTake(e *env, c *Call, a []*value, take bool) *value {
	n, ok := asInt(a[1])
	if !ok {
		return e.invalid(c, "count must be an integer")
	}
	clamp := func(l int) (int, int) {
		k := int(max(0, min(n, int64(l))))
		if take {
			return 0, k
		}
		return k, l
	}
	switch v := a[0]; v.Kind {
	case jsontree.String:
		from, to := clamp(utf16Len(v.Str))
		return strVal(utf16Slice(v.Str, from, to))
	case jsontree.Array:
		from, to := clamp(len(v.Elems()))
		return arrVal(v.Elems()[from:to:to])
	}
	return e.invalid(c, "first argument must be a string or an array, got %s", a[0].Kind)
}

func fnSkip(e *env, c *Call, a []*value) *value { return skipTake(e, c, a, false) }
func fnTake(e *env, c *Call, a []*value) *value { return skipTake(e, c, a, true) }

// fnItems converts an object to [{"key", "value"}], sorted by key as ARM does.
func fnItems(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.Object {
		return e.invalid(c, "argument must be an object, got %s", a[0].Kind)
	}
	ms := append([]jsontree.Member(nil), a[0].Members()...)
	sort.SliceStable(ms, func(i, j int) bool { return strings.ToLower(ms[i].Key) < strings.ToLower(ms[j].Key) })
	out := make([]*value, len(ms))
	for i, m := range ms {
		out[i] = objVal([]jsontree.Member{member("key", strVal(m.Key)), member("value", m.Value)})
	}
	return arrVal(out)
}

func fnObjectKeys(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.Object {
		return e.invalid(c, "argument must be an object, got %s", a[0].Kind)
	}
	out := make([]*value, len(a[0].Members()))
	for i, m := range a[0].Members() {
		out[i] = strVal(m.Key)
	}
	return arrVal(out)
}

func fnFlatten(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.Array {
		return e.invalid(c, "argument must be an array, got %s", a[0].Kind)
	}
	var out []*value
	for _, el := range a[0].Elems() {
		switch el.Kind {
		case jsontree.Unknown:
			return el
		case jsontree.Array:
			out = append(out, el.Elems()...)
		default:
			return e.invalid(c, "elements must be arrays, got %s", el.Kind)
		}
	}
	return arrVal(out)
}

// fnTryGet follows keys or indexes and returns null when one is missing
// (Bicep's safe-dereference operator .? compiles to it).
func fnTryGet(e *env, c *Call) *value {
	v := e.evalArg(c, 0)
	for i := 1; i < len(c.Args); i++ {
		if isUnknown(v) {
			return v
		}
		k := e.evalArg(c, i)
		if isUnknown(k) {
			return k
		}
		switch {
		case v.Kind == jsontree.Object && k.Kind == jsontree.String:
			v = v.Get(k.Str)
		case v.Kind == jsontree.Array && k.Kind == jsontree.Number:
			n, ok := asInt(k)
			if !ok || n < 0 || n >= int64(len(v.Elems())) {
				return nullVal()
			}
			v = v.Elems()[n]
		case v.Kind == jsontree.Null:
			return nullVal()
		default:
			return e.invalid(c, "cannot look up a %s key in a %s", k.Kind, v.Kind)
		}
		if v == nil {
			return nullVal()
		}
	}
	return v
}

func fromEnd(e *env, c *Call, a []*value, try bool) *value {
	if a[0].Kind != jsontree.Array {
		return e.invalid(c, "first argument must be an array, got %s", a[0].Kind)
	}
	n, ok := asInt(a[1])
	if !ok {
		return e.invalid(c, "index must be an integer")
	}
	if n < 1 || n > int64(len(a[0].Elems())) {
		if try {
			return nullVal()
		}
		return e.invalid(c, "index %d out of range (array length %d)", n, len(a[0].Elems()))
	}
	return a[0].Elems()[int64(len(a[0].Elems()))-n]
}

func fnTryIndexFromEnd(e *env, c *Call, a []*value) *value { return fromEnd(e, c, a, true) }
func fnIndexFromEnd(e *env, c *Call, a []*value) *value    { return fromEnd(e, c, a, false) }
