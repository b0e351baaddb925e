package policy

import (
	"sort"

	"github.com/apimlab/apimlab/apim"
)

// posMapper turns byte offsets in a policy text into positions in the file
// the user edits. All position mapping of the package goes through pos.
type posMapper struct {
	doc        *apim.PolicyDoc
	lineStarts []int
}

func newPosMapper(doc *apim.PolicyDoc) *posMapper {
	starts := []int{0}
	for i := 0; i < len(doc.XML); i++ {
		if doc.XML[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &posMapper{doc: doc, lineStarts: starts}
}

// lineCol returns the 1-based line and byte column of off in the policy text.
func (m *posMapper) lineCol(off int) (int, int) {
	off = max(0, min(off, len(m.doc.XML)))
	i := sort.Search(len(m.lineStarts), func(i int) bool { return m.lineStarts[i] > off }) - 1
	return i + 1, off - m.lineStarts[i] + 1
}

// pos maps an offset in the policy text to a position. path is the
// element path used for stand-alone XML files.
//
//   - Policy file (Embedded false): the XML line/col are file line/col,
//     shifted by doc.Pos when the text starts after line 1 col 1 (a policy
//     read from the middle of a file).
//   - Embedded (XML taken from a JSON string): a line inside an escaped
//     JSON string has no file line of its own, so the position is the JSON
//     string's, and Path says where inside the policy:
//     doc.Pos.Path + "/policy:LINE:COL".
func (m *posMapper) pos(off int, path string) apim.Position {
	line, col := m.lineCol(off)
	base := m.doc.Pos
	if m.doc.Embedded {
		p := base
		p.Path = base.Path + "/policy:" + itoa(line) + ":" + itoa(col)
		return p
	}
	p := apim.Position{File: base.File, Line: line, Col: col, Path: path}
	if base.Line > 1 || base.Col > 1 {
		if line == 1 {
			p.Col = col + max(base.Col, 1) - 1
		}
		p.Line = line + max(base.Line, 1) - 1
	}
	return p
}
