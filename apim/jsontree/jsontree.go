// Package jsontree parses JSON into an ordered tree whose every value knows
// its file:line:col and JSON path. Loaders walk this tree instead of decoding
// into structs so that each model field, each unknown property and each
// unresolved ARM expression can be reported where the user wrote it.
//
// Tokenising is done by github.com/go-json-experiment/json/jsontext, which is
// strict (RFC 8259, no duplicate names, valid UTF-8) and exposes byte offsets.
// A large file's top arrays are validated by jsontext a whole element at a
// time and built on every core (parallel.go, validated.go).
package jsontree

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/apimlab/apimlab/apim"
	"github.com/go-json-experiment/json/jsontext"
)

// Kind is the type of a JSON value. Unknown is not JSON: the ARM resolver
// uses it for values it could not compute, with the reason in Value.Reason().
type Kind uint8

// The kinds of values.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
	Unknown
)

var kindNames = [...]string{"null", "bool", "number", "string", "array", "object", "unknown"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Origin says where a value came from after ARM resolution.
type Origin uint8

// Origins of values.
const (
	// Literal: written in the file as it is.
	Literal Origin = iota
	// Parameter: taken from a template parameter (value or default).
	Parameter
	// SecureParameter: taken from a secureString/secureObject parameter.
	SecureParameter
	// Computed: produced by an ARM expression from other values.
	Computed
	// Reference: produced by a Key Vault reference in a parameters file.
	Reference
)

// Value is one JSON value in the tree.
type Value struct {
	// Kind is the value's type.
	Kind Kind
	// Bool holds a boolean's value.
	Bool bool
	// Origin says whether the value was literal or computed (ARM only).
	Origin Origin
	// bits says what kids holds (kidsElems, kidsMembers) and whether up
	// is the template value v was computed from (derivedBit).
	bits uint8
	// idx is the value's index in its parent's elements or members (a hint
	// checked before use); it packs with the four bytes above into one word.
	idx int32
	// Str holds a string's value, or a number's literal text.
	Str string
	// kids, n and c are an array's elements ([]*Value) or an object's
	// members ([]Member) as bits says: pointer, length and capacity of
	// the slice Elems or Members returns. A value is one or the other, and
	// two slice headers on every value (most of them strings and numbers)
	// cost 32 bytes more: a 40,000-backend template holds a million values
	// (issue 16).
	kids unsafe.Pointer
	n, c int32
	// Pos is where the value starts (Position() expands it).
	Pos Loc
	// note holds what only computed values carry (Reason, Expr): most
	// values of a tree are parsed literals, and two strings on each would
	// cost 24 bytes more per value (issue 16).
	note *note

	// up links the value to its container so Path can be computed on
	// demand (10,000-backend templates have half a million values), or,
	// when derived is set, to the template value it was computed from,
	// whose JSON path is the one the user wrote. A derived value's own
	// container never shows in a path, so one pointer serves both and
	// every value of a parsed tree is 8 bytes smaller (issue 16).
	up *Value
}

// What Value.bits records.
const (
	derivedBit  = 1 << iota // up is the value v was computed from
	kidsElems               // kids holds elements
	kidsMembers             // kids holds members
)

// Elems returns an array's elements (nil for any other value, as for an
// array that has none). Writing to an element of the slice writes to v.
func (v *Value) Elems() []*Value {
	if v.bits&kidsElems == 0 {
		return nil
	}
	return unsafe.Slice((**Value)(v.kids), v.c)[:v.n]
}

// Members returns an object's members in source order (nil for any other
// value). Writing to a member of the slice writes to v.
func (v *Value) Members() []Member {
	if v.bits&kidsMembers == 0 {
		return nil
	}
	return unsafe.Slice((*Member)(v.kids), v.c)[:v.n]
}

// SetElems makes elems v's elements (v's members, if any, are dropped).
// It does not set Kind.
func (v *Value) SetElems(elems []*Value) {
	v.bits &^= kidsElems | kidsMembers
	v.kids, v.n, v.c = nil, 0, 0
	if elems != nil {
		v.bits |= kidsElems
		v.kids, v.n, v.c = unsafe.Pointer(unsafe.SliceData(elems)), int32(len(elems)), int32(cap(elems))
	}
}

// WithElems sets v's elements (SetElems) and returns v.
func (v *Value) WithElems(elems []*Value) *Value {
	v.SetElems(elems)
	return v
}

// WithMembers sets v's members (SetMembers) and returns v.
func (v *Value) WithMembers(members []Member) *Value {
	v.SetMembers(members)
	return v
}

// SetMembers makes members v's members (v's elements, if any, are
// dropped). It does not set Kind.
func (v *Value) SetMembers(members []Member) {
	v.bits &^= kidsElems | kidsMembers
	v.kids, v.n, v.c = nil, 0, 0
	if members != nil {
		v.bits |= kidsMembers
		v.kids, v.n, v.c = unsafe.Pointer(unsafe.SliceData(members)), int32(len(members)), int32(cap(members))
	}
}

// note is the rarely set part of a Value.
type note struct{ reason, expr string }

// Reason explains an Unknown value ("" otherwise).
func (v *Value) Reason() string {
	if v == nil || v.note == nil {
		return ""
	}
	return v.note.reason
}

// Expr is the ARM expression the value was computed from, if any.
func (v *Value) Expr() string {
	if v == nil || v.note == nil {
		return ""
	}
	return v.note.expr
}

// SetReason sets the explanation of an Unknown value and returns v.
func (v *Value) SetReason(reason string) *Value {
	n := note{reason: reason}
	if v.note != nil {
		n.expr = v.note.expr
	}
	v.note = &n // a copy: clones of v share the old note
	return v
}

// SetExpr records the ARM expression v was computed from and returns v.
func (v *Value) SetExpr(expr string) *Value {
	n := note{expr: expr}
	if v.note != nil {
		n.reason = v.note.reason
	}
	v.note = &n
	return v
}

// setParent links v to its container, unless v is derived: its path is
// its template value's.
func (v *Value) setParent(par *Value, i int) {
	if v.bits&derivedBit == 0 {
		v.up = par
	}
	v.idx = int32(i)
}

// DerivedFrom records that v was computed from the template value src, so
// that v's JSON path is src's. It returns v.
func (v *Value) DerivedFrom(src *Value) *Value {
	if src != nil && src != v {
		v.up = src
		v.bits |= derivedBit
	}
	return v
}

// Release empties v's subtree once its owner has no more use for it: v is
// taken out of its parent (the parent's slot becomes nil) and every link
// below it (members, elements, parent links, notes) is cleared, so that
// nothing in it keeps any other value alive. Values come from shared slabs
// (and members and elements from shared blocks) that stay allocated as long
// as any value in them is reachable, and a reachable slab keeps everything
// its values point to: in a parsed tree every slab reaches its neighbours,
// so taking a subtree out of its parent alone frees nothing while any other
// part of the tree is in use. Release frees the subtree's slabs once no
// other live value shares them (issue 16: a loader releasing each resource
// of a large template as soon as its model is built).
//
// The caller must own the subtree: its values must not be read again
// (strings taken from them stay valid), and nothing else may share them
// (an ARM copy loop's template is shared by every iteration). A member or
// element whose parent link names another value is only unlinked. Paths
// of values outside the subtree are unchanged.
func (v *Value) Release() {
	if v == nil {
		return
	}
	if par := v.Parent(); par != nil {
		switch k := int(v.idx); {
		case k < len(par.Elems()) && par.Elems()[k] == v:
			par.Elems()[k] = nil
		case k < len(par.Members()) && par.Members()[k].Value == v:
			par.Members()[k].Value = nil
		}
	}
	v.clear()
}

// clear drops every pointer of v's subtree (Release). A member or element
// whose parent link names another value (shared from elsewhere, or
// computed from a template value) is only unlinked, not emptied.
func (v *Value) clear() {
	for i := range v.Members() {
		if c := v.Members()[i].Value; c != nil && c.Parent() == v {
			c.clear()
		}
		v.Members()[i].Value = nil
	}
	for i, c := range v.Elems() {
		if c != nil && c.Parent() == v {
			c.clear()
		}
		v.Elems()[i] = nil
	}
	v.SetMembers(nil)
	v.up, v.note = nil, nil
	v.bits &^= derivedBit
}

// Member is a name/value pair of an object.
type Member struct {
	Key    string
	KeyPos Loc
	Value  *Value
}

// Loc is a compact source location: a file shared by every value of a
// document, and a 1-based line and byte column. A template of 10,000
// backends holds about half a million values, so this is 16 bytes
// instead of an apim.Position's 48.
type Loc struct {
	file      *string
	line, col int32
}

// At makes a Loc from an apim.Position (its Path is dropped).
func At(p apim.Position) Loc {
	f := p.File
	return Loc{file: &f, line: int32(p.Line), col: int32(p.Col)}
}

// Position expands the location.
func (l Loc) Position() apim.Position {
	p := apim.Position{Line: int(l.line), Col: int(l.col)}
	if l.file != nil {
		p.File = *l.file
	}
	return p
}

// Shift returns the location n bytes further on the same line.
func (l Loc) Shift(n int) Loc {
	l.col += int32(n)
	return l
}

// IsValid reports whether the location names a line.
func (l Loc) IsValid() bool { return l.line > 0 }

func (l Loc) String() string { return l.Position().String() }

// Get returns the member named key, matched case-insensitively as Azure's
// resource providers do, or nil. An exact match wins over a case-folded one.
func (v *Value) Get(key string) *Value {
	m := v.Member(key)
	if m == nil {
		return nil
	}
	return m.Value
}

// Member returns the member named key (case-insensitive), or nil.
func (v *Value) Member(key string) *Member {
	if v == nil || v.Kind != Object {
		return nil
	}
	var folded *Member
	for i := range v.Members() {
		k := v.Members()[i].Key
		if len(k) != len(key) {
			continue // property names are ASCII: different lengths never fold
		}
		if k == key {
			return &v.Members()[i]
		}
		if folded == nil && foldEqual(k, key) {
			folded = &v.Members()[i]
		}
	}
	return folded
}

// foldEqual compares equal-length strings ignoring ASCII case, falling back
// to Unicode folding for non-ASCII bytes.
func foldEqual(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x >= 0x80 || y >= 0x80 {
			return strings.EqualFold(a, b)
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Lookup follows a chain of member names; nil when any is missing.
func (v *Value) Lookup(keys ...string) *Value {
	for _, k := range keys {
		v = v.Get(k)
		if v == nil {
			return nil
		}
	}
	return v
}

// Set replaces or appends the member key. Used when building resolved trees.
func (v *Value) Set(key string, val *Value) {
	for i := range v.Members() {
		if strings.EqualFold(v.Members()[i].Key, key) {
			v.Members()[i].Value = val
			val.setParent(v, i)
			return
		}
	}
	v.SetMembers(append(v.Members(), Member{Key: key, KeyPos: val.Pos, Value: val}))
	val.setParent(v, len(v.Members())-1)
}

// Append adds an element to an array value.
func (v *Value) Append(elem *Value) {
	elem.setParent(v, len(v.Elems()))
	v.SetElems(append(v.Elems(), elem))
}

// Adopt re-links children to their parent after a tree is built by hand
// (so Path() is right). It is cheap and idempotent.
func (v *Value) Adopt() {
	for i := range v.Members() {
		c := v.Members()[i].Value
		c.setParent(v, i)
		c.Adopt()
	}
	for i, c := range v.Elems() {
		c.setParent(v, i)
		c.Adopt()
	}
}

// Parent returns the enclosing array or object: nil at the root and for a
// value computed from a template value (DerivedFrom), whose place in the
// document is its template value's.
func (v *Value) Parent() *Value {
	if v.bits&derivedBit != 0 {
		return nil
	}
	return v.up
}

// Path returns the JSON path of v from the document root, e.g.
// "$.resources[2].properties.url". A value computed from a template value
// (DerivedFrom) has the template value's path.
func (v *Value) Path() string {
	if v == nil {
		return ""
	}
	var buf [128]byte
	return string(v.AppendPath(buf[:0]))
}

// AppendPath appends v's JSON path (Path) to b and returns the extended
// buffer, so that a caller making many paths can write them into shared
// blocks instead of allocating each (issue 16). A nil v appends nothing.
func (v *Value) AppendPath(b []byte) []byte {
	if v == nil {
		return b
	}
	// Walk up once, then write the steps root first, whatever the depth.
	var stack [16]*Value
	chain := stack[:0]
	for n := v; n != nil; n = n.up {
		for n.bits&derivedBit != 0 {
			n = n.up
		}
		if n.up == nil {
			break
		}
		chain = append(chain, n)
	}
	b = append(b, '$')
	for i := len(chain) - 1; i >= 0; i-- {
		n := chain[i]
		par, k := n.up, int(n.idx)
		switch {
		case k < len(par.Elems()) && par.Elems()[k] == n:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(k), 10)
			b = append(b, ']')
		case k < len(par.Members()) && par.Members()[k].Value == n:
			b = appendMember(b, par.Members()[k].Key)
		default:
			b = append(b, scanStep(par, n)...)
		}
	}
	return b
}

// appendMember appends an object key as a path step.
func appendMember(b []byte, key string) []byte {
	if isIdent(key) {
		return append(append(b, '.'), key...)
	}
	return append(append(append(b, '['), strconv.Quote(key)...), ']')
}

// scanStep finds n in its parent when the index hint is stale (trees
// built by hand).
func scanStep(par, n *Value) string {
	for i, e := range par.Elems() {
		if e == n {
			return "[" + strconv.Itoa(i) + "]"
		}
	}
	for _, m := range par.Members() {
		if m.Value == n {
			return member(m.Key)
		}
	}
	return ".?"
}

// member renders an object key as a path step.
func member(key string) string {
	if isIdent(key) {
		return "." + key
	}
	return "[" + strconv.Quote(key) + "]"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Position returns where v starts. Path is left empty: computing JSON
// paths for every field of a 10,000-backend template costs more than the
// rest of loading; use PositionWithPath where the path is shown.
func (v *Value) Position() apim.Position {
	if v == nil {
		return apim.Position{}
	}
	return v.Pos.Position()
}

// PositionWithPath returns Pos with Path filled in.
func (v *Value) PositionWithPath() apim.Position {
	if v == nil {
		return apim.Position{}
	}
	p := v.Pos.Position()
	p.Path = v.Path()
	return p
}

// Paths makes positions with their JSON paths, as PositionWithPath does,
// writing the path strings into shared blocks instead of allocating each:
// a loader keeps every path it makes, several per backend of a template
// with tens of thousands (issue 16). A path that extends the one made
// just before it (a loader goes down a resource: its properties, then
// its circuit breaker, its rules, a rule's condition) shares that one's
// bytes and adds only its own steps. The zero value is ready to use; a
// Paths is not safe for concurrent use.
type Paths struct {
	block []byte
	last  string // the path made last, when it ends where block does
}

// Position returns v's position with its JSON path.
func (ps *Paths) Position(v *Value) apim.Position {
	if v == nil {
		return apim.Position{}
	}
	p := v.Pos.Position()
	var buf [128]byte
	p.Path = ps.path(v.AppendPath(buf[:0]))
	return p
}

// path returns b as a string in ps's blocks, extending the last path
// made in place when b starts with it.
func (ps *Paths) path(b []byte) string {
	last := ps.last
	if n := len(last); n > 0 && len(b) >= n && string(b[:n]) == last {
		if len(b) == n {
			return last
		}
		if end := len(ps.block); end >= n && cap(ps.block)-end >= len(b)-n &&
			unsafe.StringData(last) == unsafe.SliceData(ps.block[end-n:]) {
			ps.block = append(ps.block, b[n:]...)
			ps.last = unsafe.String(unsafe.StringData(last), len(b))
			return ps.last
		}
	}
	s := blockString(&ps.block, b)
	ps.last = ""
	if len(s) > 0 && len(ps.block) >= len(s) && unsafe.StringData(s) == unsafe.SliceData(ps.block[len(ps.block)-len(s):]) {
		ps.last = s
	}
	return s
}

// blockSize is the size of one block of string bytes (the parser's text,
// Paths); a string longer than a sixteenth of it is allocated on its own.
const blockSize = 16 << 10

// blockString copies b into *block, starting a new block when it is full,
// and returns the copy as a string: one allocation per block instead of
// one per string. A block's bytes are never written again once handed
// out, so the strings stay immutable.
func blockString(block *[]byte, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > blockSize/16 {
		return string(b)
	}
	if cap(*block)-len(*block) < len(b) {
		*block = make([]byte, 0, blockSize)
	}
	start := len(*block)
	*block = append(*block, b...)
	return unsafe.String(&(*block)[start], len(b))
}

// IsNull reports whether v is missing or JSON null.
func (v *Value) IsNull() bool { return v == nil || v.Kind == Null }

// Text returns a string value, or "" for any other kind.
func (v *Value) Text() string {
	if v == nil || v.Kind != String {
		return ""
	}
	return v.Str
}

// Clone deep-copies v (positions kept, parent links rebuilt).
func (v *Value) Clone() *Value {
	if v == nil {
		return nil
	}
	c := *v
	if c.bits&derivedBit == 0 {
		c.up = nil
	}
	if v.Elems() != nil {
		c.SetElems(make([]*Value, len(v.Elems())))
		for i, e := range v.Elems() {
			c.Elems()[i] = e.Clone()
			c.Elems()[i].setParent(&c, i)
		}
	}
	if v.Members() != nil {
		c.SetMembers(make([]Member, len(v.Members())))
		for i, m := range v.Members() {
			c.Members()[i] = Member{Key: m.Key, KeyPos: m.KeyPos, Value: m.Value.Clone()}
			c.Members()[i].Value.setParent(&c, i)
		}
	}
	return &c
}

// Interface converts v to plain Go values (map[string]any, []any, string,
// float64 or json.Number-like string for numbers, bool, nil). Unknown
// becomes nil.
func (v *Value) Interface() any {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case Bool:
		return v.Bool
	case Number:
		if n, err := strconv.ParseInt(v.Str, 10, 64); err == nil {
			return n
		}
		f, _ := strconv.ParseFloat(v.Str, 64)
		return f
	case String:
		return v.Str
	case Array:
		out := make([]any, len(v.Elems()))
		for i, e := range v.Elems() {
			out[i] = e.Interface()
		}
		return out
	case Object:
		out := make(map[string]any, len(v.Members()))
		for _, m := range v.Members() {
			out[m.Key] = m.Value.Interface()
		}
		return out
	}
	return nil
}

// Lines maps byte offsets of one file to line and column numbers.
type Lines struct {
	File   string
	file   *string
	starts []int
	last   int // index of the line of the previous lookup
	// first is the number of line starts dropped before starts[0]: a
	// streaming parse (ParseReader) looks offsets up in increasing order,
	// so it only keeps the lines from the last one looked up to the last
	// byte read instead of an index of the whole file: a 40,000-backend
	// template has 950,000 lines, and the index grown to hold them
	// allocated 42 MB (issue 16).
	first int
}

// NewLines indexes the line starts of data.
func NewLines(file string, data []byte) *Lines {
	// Counting first sizes the index exactly: appending to it grew it a
	// dozen times on a 40,000-backend template (issue 16).
	starts := make([]int, 1, bytes.Count(data, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	l := &Lines{File: file, starts: starts}
	l.file = &l.File
	return l
}

// reset makes l the index of data's lines, reusing its storage.
func (l *Lines) reset(data []byte) {
	l.starts = append(l.starts[:0], 0)
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		l.starts = append(l.starts, i)
	}
	l.last, l.first = 0, 0
}

// Pos converts a byte offset into a Position.
func (l *Lines) Pos(off int64) apim.Position { return l.Loc(off).Position() }

// Loc converts a byte offset into a compact location.
func (l *Lines) Loc(off int64) Loc {
	o := int(off)
	// The parser asks for increasing offsets: step forward from the last
	// line, and fall back to binary search for anything else.
	i := l.last
	if i < len(l.starts) && l.starts[i] <= o && (i+1 == len(l.starts) || o < l.starts[i+1]) {
		// same line
	} else if i+1 < len(l.starts) && l.starts[i+1] <= o && (i+2 == len(l.starts) || o < l.starts[i+2]) {
		i++
	} else {
		i = sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > o }) - 1
		if i < 0 {
			i = 0
		}
	}
	l.last = i
	return Loc{file: l.file, line: int32(l.first + i + 1), col: int32(o - l.starts[i] + 1)}
}

// ErrEmpty is returned for a file with no JSON value.
var ErrEmpty = errors.New("no JSON value")

// Parse parses one JSON document. Errors are *apim.Error values positioned at
// file:line:col with code APIM901. A UTF-8 byte order mark is skipped, as
// Azure tooling writes one.
func Parse(file string, data []byte) (*Value, error) {
	bom := 0
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		bom = 3
	}
	p := &parser{lines: NewLines(file, data), bom: int64(bom)}
	// A bytes.Buffer is read in place; a bytes.Reader would be copied
	// into the decoder's own buffer.
	p.dec = jsontext.NewDecoder(bytes.NewBuffer(data[bom:]))
	return p.document()
}

// ParseReader parses one JSON document read from r, as Parse does, without
// holding the whole input in memory: the line index is built as the bytes
// stream past (a 40,000-backend template is 36 MB that Parse needs at
// once, issue 16). An error reading r other than io.EOF is returned as it
// is, not as malformed JSON.
func ParseReader(file string, r io.Reader) (*Value, error) {
	return parseReader(file, r, parallelFor(r))
}

// parseReader is ParseReader with the workers that build large arrays
// (nil: all on the calling goroutine).
func parseReader(file string, r io.Reader, pool *workers) (*Value, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	bom := 0
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		bom = 3
	}
	l := &Lines{File: file, starts: append(make([]int, 0, lineWindow), 0)}
	l.file = &l.File
	lr := &lineReader{r: br, lines: l, off: bom}
	p := &parser{lines: l, bom: int64(bom)}
	p.dec = jsontext.NewDecoder(lr)
	p.pool, p.input = pool, lr
	p.ahead = func(fill bool) []byte {
		n := br.Buffered()
		if fill {
			n = br.Size()
		}
		b, _ := br.Peek(n)
		return b
	}
	root, err := p.document()
	if lr.err != nil {
		return nil, lr.err
	}
	return root, err
}

// lineReader records the line starts of the bytes read through it; a
// parser only asks for positions of bytes already read.
type lineReader struct {
	r     io.Reader
	lines *Lines
	off   int   // offset of the next byte in the file
	err   error // the first read error other than io.EOF
}

func (lr *lineReader) Read(b []byte) (int, error) {
	n, err := lr.r.Read(b)
	for i := 0; i < n; {
		j := bytes.IndexByte(b[i:n], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		lr.add(lr.off + i)
	}
	lr.off += n
	if err != nil && err != io.EOF && lr.err == nil {
		lr.err = err
	}
	return n, err
}

// lineWindow is the initial capacity of a streaming parse's line index:
// more than the lines of the bytes read ahead of the parser.
const lineWindow = 4096

// add records a line start. When the index is full, the lines before the
// one last looked up are dropped rather than the index grown: the parser
// asks for positions in increasing order.
func (lr *lineReader) add(start int) {
	l := lr.lines
	if len(l.starts) == cap(l.starts) && l.last > len(l.starts)/2 {
		n := copy(l.starts, l.starts[l.last:])
		l.starts = l.starts[:n]
		l.first += l.last
		l.last = 0
	}
	l.starts = append(l.starts, start)
}

// document reads the top-level value and checks nothing follows it.
func (p *parser) document() (*Value, error) {
	root, err := p.value()
	if err != nil {
		return nil, p.wrap(err)
	}
	if raw, err := p.dec.ReadValue(); err != io.EOF {
		if err == nil {
			// Point at the start of the extra value, not past it.
			off := p.dec.InputOffset() - int64(len(raw))
			return nil, apim.Errorf(p.pos(off).Position(), apim.Malformed, "malformed JSON: unexpected data after the top-level value")
		}
		return nil, p.wrap(err)
	}
	return root, nil
}

type parser struct {
	dec   *jsontext.Decoder
	lines *Lines
	bom   int64
	// slab hands out Values in blocks: one allocation per valueSlab nodes
	// instead of one per node, which halves parse time on large
	// templates (most of it was allocation and GC).
	slab []Value
	// members is a stack of object members being read; each object
	// copies its members out once, at their final size.
	members []Member
	elems   []*Value
	// memberSlab and elemSlab hand out the final member and element slices in
	// blocks too (capacity capped, so an append copies them out).
	memberSlab []Member
	elemSlab   []*Value
	// text holds the bytes of string and number values, handed out as
	// strings in blocks (see str).
	text []byte
	// keys interns object keys: a template repeats a few dozen names
	// ("type", "properties", …) hundreds of thousands of times.
	keys map[string]string
	// pool, when set, builds the elements of the arrays at the top two
	// levels on other goroutines (parallel.go); input is what the decoder
	// reads from.
	pool  *workers
	input io.Reader
	// inArray is set while parallelArray reads an array: an element it
	// reads token by token builds its own arrays here.
	inArray bool
	// ahead returns the bytes read from the input ahead of the decoder
	// (after filling the read buffer when fill is set), for wholeAhead.
	ahead func(fill bool) []byte
	// sub marks a worker's parser, which reads one array element at a
	// time: its offsets count from the element's start, at base in the
	// file, with depth containers open around it.
	sub   bool
	base  Loc
	depth int
}

// valueSlab is the number of Values in one slab: as many as fit in 32 KiB,
// a size class of its own, so no slab wastes its tail.
const valueSlab = 32 << 10 / int(unsafe.Sizeof(Value{}))

func (p *parser) newValue() *Value {
	if len(p.slab) == 0 {
		p.slab = make([]Value, valueSlab)
	}
	v := &p.slab[0]
	p.slab = p.slab[1:]
	return v
}

// slabLen is the number of members or elements in one slab block; an
// object or array larger than a quarter of it gets a slice of its own.
const slabLen = 1024

// takeMembers returns a slice of n members from the member slab.
func (p *parser) takeMembers(n int) []Member {
	if n > slabLen/4 {
		return make([]Member, n)
	}
	if len(p.memberSlab) < n {
		p.memberSlab = make([]Member, slabLen)
	}
	s := p.memberSlab[:n:n]
	p.memberSlab = p.memberSlab[n:]
	return s
}

// takeElems returns a slice of n elements from the element slab.
func (p *parser) takeElems(n int) []*Value {
	if n > slabLen/4 {
		return make([]*Value, n)
	}
	if len(p.elemSlab) < n {
		p.elemSlab = make([]*Value, slabLen)
	}
	s := p.elemSlab[:n:n]
	p.elemSlab = p.elemSlab[n:]
	return s
}

// pop takes the members or elements read since base off the stack, as
// the container's slice from take (nil for none).
func pop[T any](stack *[]T, base int, take func(int) []T) []T {
	var out []T
	if n := len(*stack) - base; n > 0 {
		out = take(n)
		copy(out, (*stack)[base:])
	}
	clear((*stack)[base:])
	*stack = (*stack)[:base]
	return out
}

func (p *parser) pos(off int64) Loc {
	l := p.lines.Loc(off + p.bom)
	if p.sub {
		if l.line == 1 {
			l.col += p.base.col - 1
		}
		l.line += p.base.line - 1
	}
	return l
}

func (p *parser) wrap(err error) error {
	if ae, ok := asPositioned(err); ok {
		return ae // a worker's, positioned already
	}
	var se *jsontext.SyntacticError
	off := p.dec.InputOffset()
	msg := err.Error()
	if errors.As(err, &se) {
		off = se.ByteOffset
		msg = se.Err.Error()
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		if off == 0 && !p.sub { // a sub-parser's offset 0 is an element's start
			msg = ErrEmpty.Error()
		} else {
			msg = "unexpected end of JSON input"
		}
	}
	msg = strings.TrimPrefix(msg, "jsontext: ")
	return apim.Errorf(p.pos(off).Position(), apim.Malformed, "malformed JSON: %s", msg)
}

const maxDepth = 10000

func (p *parser) value() (*Value, error) {
	if p.dec.StackDepth()+p.depth > maxDepth {
		return nil, fmt.Errorf("nesting deeper than %d", maxDepth)
	}
	switch p.dec.PeekKind() {
	case '{':
		if _, err := p.dec.ReadToken(); err != nil {
			return nil, err
		}
		v := p.newValue()
		v.Kind, v.Pos = Object, p.pos(p.dec.InputOffset()-1)
		base := len(p.members)
		for p.dec.PeekKind() != '}' {
			name, err := p.dec.ReadValue()
			if err != nil {
				return nil, err
			}
			keyPos := p.pos(p.dec.InputOffset() - int64(len(name)))
			key, err := p.key(name)
			if err != nil {
				return nil, err
			}
			child, err := p.value()
			if err != nil {
				return nil, err
			}
			child.up, child.idx = v, int32(len(p.members)-base)
			p.members = append(p.members, Member{Key: key, KeyPos: keyPos, Value: child})
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return nil, err
		}
		v.SetMembers(pop(&p.members, base, p.takeMembers))
		return v, nil
	case '[':
		if _, err := p.dec.ReadToken(); err != nil {
			return nil, err
		}
		v := p.newValue()
		v.Kind, v.Pos = Array, p.pos(p.dec.InputOffset()-1)
		if p.pool != nil && !p.inArray && p.dec.StackDepth() <= 2 {
			return p.parallelArray(v)
		}
		base := len(p.elems)
		for p.dec.PeekKind() != ']' {
			child, err := p.value()
			if err != nil {
				return nil, err
			}
			child.up, child.idx = v, int32(len(p.elems)-base)
			p.elems = append(p.elems, child)
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return nil, err
		}
		v.SetElems(pop(&p.elems, base, p.takeElems))
		return v, nil
	case 0:
		// PeekKind reports 0 on error or EOF; ReadToken returns the error.
		_, err := p.dec.ReadToken()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	raw, err := p.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	v := p.newValue()
	v.Pos = p.pos(p.dec.InputOffset() - int64(len(raw)))
	switch raw.Kind() {
	case 'n':
		v.Kind = Null
	case 't', 'f':
		v.Kind, v.Bool = Bool, raw.Kind() == 't'
	case '0':
		v.Kind, v.Str = Number, p.str(raw)
	case '"':
		v.Kind = String
		if bytes.IndexByte(raw, '\\') < 0 {
			v.Str = p.str(raw[1 : len(raw)-1])
		} else if v.Str, err = unquote(raw); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// str copies b into the current text block and returns it as a string
// (blockString).
func (p *parser) str(b []byte) string { return blockString(&p.text, b) }

// maxKeys bounds the key intern table.
const maxKeys = 4096

// key unquotes an object key, returning the interned copy.
func (p *parser) key(raw jsontext.Value) (string, error) {
	if bytes.IndexByte(raw, '\\') >= 0 {
		return unquote(raw)
	}
	b := raw[1 : len(raw)-1]
	if k, ok := p.keys[string(b)]; ok {
		return k, nil
	}
	k := string(b)
	if p.keys == nil {
		p.keys = make(map[string]string)
	}
	if len(p.keys) < maxKeys { // objects used as maps have unbounded keys
		p.keys[k] = k
	}
	return k, nil
}

func unquote(raw jsontext.Value) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}
