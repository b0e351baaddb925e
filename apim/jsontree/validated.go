package jsontree

import (
	"bytes"
	"fmt"

	"github.com/apimlab/apimlab/apim"
)

// built makes the tree of one JSON value whose text jsontext has already
// validated (a parallel parse's reader did, ReadValue): it only finds
// where each token ends, as the text is known to be well formed, and
// makes the values a sequential parse makes, with the same positions,
// interned keys and string blocks. Reading the text a second time
// through jsontext's decoder, with its per-token calls, cost the
// workers as much as the whole sequential parse (issue 16).
func (p *parser) built(raw []byte) (*Value, error) {
	v, _, err := p.validValue(raw, 0, 0)
	return v, err
}

// skipSpace returns the offset of the first byte at or after i that is
// not JSON whitespace.
func skipSpace(raw []byte, i int) int {
	for i < len(raw) {
		switch raw[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the offset just past the string that starts at i
// (raw[i] is its opening quote).
func stringEnd(raw []byte, i int) int {
	for j := i + 1; ; {
		k := bytes.IndexAny(raw[j:], "\"\\")
		if raw[j+k] == '"' {
			return j + k + 1
		}
		j += k + 2 // a backslash and the byte it escapes
	}
}

// validValue builds the value at raw[i:] (no whitespace before it) with
// depth containers open around it in the element, and returns the offset
// just past it.
func (p *parser) validValue(raw []byte, i, depth int) (*Value, int, error) {
	if depth+p.depth > maxDepth {
		return nil, 0, p.invalidAt(i, fmt.Errorf("nesting deeper than %d", maxDepth))
	}
	v := p.newValue()
	v.Pos = p.pos(int64(i))
	switch c := raw[i]; c {
	case '{', '[':
		obj := c == '{'
		mbase, ebase := len(p.members), len(p.elems)
		i = skipSpace(raw, i+1)
		for raw[i] != '}' && raw[i] != ']' {
			var key string
			var keyPos Loc
			if obj {
				end := stringEnd(raw, i)
				keyPos = p.pos(int64(i))
				var err error
				if key, err = p.key(raw[i:end]); err != nil {
					return nil, 0, p.invalidAt(i, err)
				}
				i = skipSpace(raw, end)
				i = skipSpace(raw, i+1) // the colon
			}
			child, next, err := p.validValue(raw, i, depth+1)
			if err != nil {
				return nil, 0, err
			}
			if obj {
				child.up, child.idx = v, int32(len(p.members)-mbase)
				p.members = append(p.members, Member{Key: key, KeyPos: keyPos, Value: child})
			} else {
				child.up, child.idx = v, int32(len(p.elems)-ebase)
				p.elems = append(p.elems, child)
			}
			i = skipSpace(raw, next)
			if raw[i] == ',' {
				i = skipSpace(raw, i+1)
			}
		}
		if obj {
			v.Kind = Object
			v.SetMembers(pop(&p.members, mbase, p.takeMembers))
		} else {
			v.Kind = Array
			v.SetElems(pop(&p.elems, ebase, p.takeElems))
		}
		return v, i + 1, nil
	case '"':
		end := stringEnd(raw, i)
		v.Kind = String
		if s := raw[i+1 : end-1]; bytes.IndexByte(s, '\\') < 0 {
			v.Str = p.str(s)
		} else {
			var err error
			if v.Str, err = unquote(raw[i:end]); err != nil {
				return nil, 0, p.invalidAt(i, err)
			}
		}
		return v, end, nil
	case 't':
		v.Kind, v.Bool = Bool, true
		return v, i + 4, nil
	case 'f':
		v.Kind = Bool
		return v, i + 5, nil
	case 'n':
		v.Kind = Null
		return v, i + 4, nil
	default:
		if c != '-' && (c < '0' || c > '9') {
			return nil, 0, p.invalidAt(i, fmt.Errorf("invalid character %q at start of value", c))
		}
		j := i + 1
		for j < len(raw) && isNumberByte(raw[j]) {
			j++
		}
		v.Kind, v.Str = Number, p.str(raw[i:j])
		return v, j, nil
	}
}

// isNumberByte reports whether c can continue a JSON number.
func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// invalidAt positions err at offset i of the element, as wrap does for
// the sequential parse. The reader validated the text, so only nesting
// deeper than maxDepth can get here.
func (p *parser) invalidAt(i int, err error) error {
	return apim.Errorf(p.pos(int64(i)).Position(), apim.Malformed, "malformed JSON: %s", err)
}
