package jsontree

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unsafe"

	"github.com/apimlab/apimlab/apim"
)

func TestParsePositionsAndPaths(t *testing.T) {
	src := "\xef\xbb\xbf{\n  \"resources\": [\n    { \"type\": \"x\", \"Properties\": { \"url\": \"https://a\", \"odd key\": 1 } }\n  ]\n}"
	root, err := Parse("t.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	url := root.Lookup("resources").Elems()[0].Lookup("properties", "url")
	if url == nil || url.Text() != "https://a" {
		t.Fatalf("case-insensitive lookup failed: %+v", url)
	}
	if got, want := url.Position().String(), "t.json:3:43"; got != want {
		t.Errorf("position = %s, want %s", got, want)
	}
	if got, want := url.PositionWithPath().Path, "$.resources[0].Properties.url"; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
	odd := root.Lookup("resources").Elems()[0].Lookup("properties", "odd key")
	if got, want := odd.Path(), `$.resources[0].Properties["odd key"]`; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
	if m := root.Lookup("resources").Elems()[0].Member("PROPERTIES"); m == nil || m.Key != "Properties" || m.KeyPos.String() != "t.json:3:20" {
		t.Errorf("member = %+v", m)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ src, pos, msg string }{
		{"", "1:1", "no JSON value"},
		{"{\"a\": [1, 2,\n  x]}", "2:3", "invalid character 'x'"},
		{`{"a":1,"a":2}`, "1:8", "duplicate object member name"},
		{`{"a":`, "1:6", "unexpected end"},
		{`{} {}`, "1:4", "after the top-level value"},
	} {
		_, err := Parse("e.json", []byte(tt.src))
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		if !strings.HasPrefix(err.Error(), "e.json:"+tt.pos+": ") || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: error %q, want at %s containing %q", tt.src, err, tt.pos, tt.msg)
		}
	}
}

// TestParseValues checks every kind of scalar, including strings that do
// and do not need unescaping and one longer than a text block's share.
func TestParseValues(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tt := range []struct {
		src  string
		kind Kind
		str  string
	}{
		{`"plain"`, String, "plain"},
		{`""`, String, ""},
		{`"tab\there \u00e9"`, String, "tab\there é"},
		{`"` + long + `"`, String, long},
		{`-12.5e3`, Number, "-12.5e3"},
		{`0`, Number, "0"},
		{`true`, Bool, ""},
		{`null`, Null, ""},
	} {
		v, err := Parse("v.json", []byte(tt.src))
		if err != nil {
			t.Fatalf("%.20q: %v", tt.src, err)
		}
		if v.Kind != tt.kind || v.Str != tt.str {
			t.Errorf("%.20q: got %s %.20q, want %s %.20q", tt.src, v.Kind, v.Str, tt.kind, tt.str)
		}
	}
}

// TestSiblingsIndependent checks that growing one parsed object or array
// never writes into its neighbours' members or elements.
func TestSiblingsIndependent(t *testing.T) {
	root, err := Parse("s.json", []byte(`[{"a":1},{"b":2},[1],[2]]`))
	if err != nil {
		t.Fatal(err)
	}
	first, second := root.Elems()[0], root.Elems()[1]
	first.Set("c", &Value{Kind: String, Str: "new"})
	if got := second.Members()[0].Key; got != "b" || len(second.Members()) != 1 {
		t.Errorf("second object = %+v after Set on the first", second.Members())
	}
	if got := first.Lookup("c").Text(); got != "new" {
		t.Errorf("c = %q", got)
	}
	root.Elems()[2].Append(&Value{Kind: Number, Str: "9"})
	if got := root.Elems()[3].Elems()[0].Str; got != "2" || len(root.Elems()[3].Elems()) != 1 {
		t.Errorf("fourth array = %v after Append on the third", root.Elems()[3].Elems())
	}
	if got, want := root.Elems()[2].Elems()[1].Path(), "$[2][1]"; got != want {
		t.Errorf("appended path = %s, want %s", got, want)
	}
}

// TestLargeContainers checks objects and arrays larger than a slab block.
func TestLargeContainers(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"arr":[`)
	for i := range 3000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"e`)
		b.WriteString(strings.Repeat("y", i%7))
		b.WriteByte('"')
	}
	b.WriteString(`],"obj":{`)
	for i := range 2000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		b.WriteString(strings.Repeat("z", i))
		b.WriteString(`":`)
		b.WriteString(`true`)
	}
	b.WriteString(`}}`)
	root, err := Parse("l.json", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	arr, obj := root.Get("arr"), root.Get("obj")
	if len(arr.Elems()) != 3000 || len(obj.Members()) != 2000 {
		t.Fatalf("len = %d, %d", len(arr.Elems()), len(obj.Members()))
	}
	if got, want := arr.Elems()[2999].Str, "e"+strings.Repeat("y", 2999%7); got != want {
		t.Errorf("last element = %q, want %q", got, want)
	}
	if got, want := arr.Elems()[1234].Path(), "$.arr[1234]"; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
	if got, want := obj.Members()[1999].Value.Path(), "$.obj.k"+strings.Repeat("z", 1999); got != want {
		t.Errorf("path = %.30s…, want %.30s…", got, want)
	}
}

// TestDerivedPathAndParent checks that a value computed from a template
// value reports the template value's path wherever it is placed, and
// that Clone and Adopt keep that.
func TestDerivedPathAndParent(t *testing.T) {
	root, err := Parse("d.json", []byte(`{"resources":[{"name":"[concat('a','b')]"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := root.Lookup("resources").Elems()[0].Get("name")
	computed := (&Value{Kind: String, Str: "ab", Origin: Computed}).DerivedFrom(tmpl)
	if got, want := computed.Path(), "$.resources[0].name"; got != want {
		t.Errorf("derived path = %s, want %s", got, want)
	}
	if computed.Parent() != nil {
		t.Errorf("derived value has a parent")
	}
	if tmpl.Parent() != root.Lookup("resources").Elems()[0] {
		t.Errorf("template value's parent is wrong")
	}
	holder := &Value{Kind: Object}
	holder.Set("renamed", computed)
	holder.Adopt()
	if got, want := holder.Get("renamed").Path(), "$.resources[0].name"; got != want {
		t.Errorf("derived path after Set/Adopt = %s, want %s", got, want)
	}
	c := holder.Clone()
	if got, want := c.Get("renamed").Path(), "$.resources[0].name"; got != want {
		t.Errorf("derived path after Clone = %s, want %s", got, want)
	}
	plain := &Value{Kind: String, Str: "x"}
	c.Set("plain", plain)
	if got, want := plain.Path(), "$.plain"; got != want {
		t.Errorf("plain path = %s, want %s", got, want)
	}
	if plain.Parent() != c {
		t.Errorf("plain value's parent is not its holder")
	}
	// A value computed inside a derived object: its path runs through the
	// object's template value.
	obj := root.Lookup("resources").Elems()[0]
	dobj := (&Value{Kind: Object}).DerivedFrom(obj)
	dobj.Set("name", &Value{Kind: String, Str: "ab"})
	if got, want := dobj.Get("name").Path(), "$.resources[0].name"; got != want {
		t.Errorf("child of a derived object = %s, want %s", got, want)
	}
}

// TestNotes checks Reason and Expr, and that setting them on a clone
// leaves the original alone.
func TestNotes(t *testing.T) {
	u := (&Value{Kind: Unknown}).SetReason("parameter p has no value").SetExpr("[parameters('p')]")
	if u.Reason() != "parameter p has no value" || u.Expr() != "[parameters('p')]" {
		t.Fatalf("notes = %q, %q", u.Reason(), u.Expr())
	}
	c := u.Clone()
	c.SetReason("other")
	if u.Reason() != "parameter p has no value" || c.Reason() != "other" || c.Expr() != "[parameters('p')]" {
		t.Errorf("after SetReason on a clone: original %q, clone %q %q", u.Reason(), c.Reason(), c.Expr())
	}
	var none *Value
	if (&Value{}).Reason() != "" || none.Expr() != "" {
		t.Errorf("values without notes report notes")
	}
}

// resourcesDoc is a template-like document of n resources, four lines
// each, with an escaped string and a key that is no identifier.
func resourcesDoc(n int) string {
	var big strings.Builder
	big.WriteString("{\n  \"resources\": [\n")
	for i := range n {
		if i > 0 {
			big.WriteString(",\n")
		}
		fmt.Fprintf(&big, "    {\n      \"name\": \"b-%d\",\n      \"properties\": { \"url\": \"https://h%d\\u002fx\", \"n\": %d, \"ok\": true, \"none\": null, \"odd key\": [1] }\n    }", i, i, i)
	}
	big.WriteString("\n  ]\n}\n")
	return big.String()
}

// TestParseReaderMatchesParse checks that streaming a document gives the
// tree, positions and errors Parse gives on the same bytes, whatever the
// read sizes (one byte at a time crosses every line and token boundary).
// The large document has more lines than the streaming line index keeps
// (lineWindow), so its compaction is crossed too, with an error at the end.
func TestParseReaderMatchesParse(t *testing.T) {
	big := resourcesDoc(2000)
	docs := []string{
		"\xef\xbb\xbf{\n  \"resources\": [\n    { \"type\": \"x\", \"Properties\": { \"url\": \"https://a\", \"odd key\": 1 } }\n  ]\n}",
		big,
		strings.TrimSuffix(big, "\n  ]\n}\n") + ",\n    x\n  ]\n}\n",
		"", "\xef\xbb\xbf", "  \n", "{\"a\": [1, 2,\n  x]}", `{"a":1,"a":2}`, `{"a":`, `{} {}`, "[\n1,\n2\n]\n\n{}",
		"\"\xff\"", "\xef\xbb", "[" + strings.Repeat("\n", 70000) + "1]",
		"{\"big\": \"" + strings.Repeat("z", 200<<10) + "\", \"after\": 1}",
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one-byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half":     func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	}
	for i, doc := range docs {
		want, wantErr := Parse("r.json", []byte(doc))
		for name, mk := range readers {
			got, err := ParseReader("r.json", mk(doc))
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Errorf("doc %d, %s: error %v, want %v", i, name, err, wantErr)
				continue
			}
			if d := treeDiff(got, want); d != "" {
				t.Errorf("doc %d, %s: %s", i, name, d)
			}
		}
	}
}

// treeDiff describes the first difference between two trees.
func treeDiff(a, b *Value) string {
	if (a == nil) != (b == nil) {
		return fmt.Sprintf("nil mismatch: %v vs %v", a, b)
	}
	if a == nil {
		return ""
	}
	if a.Kind != b.Kind || a.Str != b.Str || a.Bool != b.Bool || a.Pos.String() != b.Pos.String() || a.Path() != b.Path() {
		return fmt.Sprintf("%s %s %q at %s vs %s %s %q at %s", a.Path(), a.Kind, a.Str, a.Pos, b.Path(), b.Kind, b.Str, b.Pos)
	}
	if len(a.Elems()) != len(b.Elems()) || len(a.Members()) != len(b.Members()) {
		return fmt.Sprintf("%s: sizes differ", a.Path())
	}
	for i := range a.Elems() {
		if d := treeDiff(a.Elems()[i], b.Elems()[i]); d != "" {
			return d
		}
	}
	for i := range a.Members() {
		if a.Members()[i].Key != b.Members()[i].Key || a.Members()[i].KeyPos.String() != b.Members()[i].KeyPos.String() {
			return fmt.Sprintf("%s: member %d is %q at %s vs %q at %s", a.Path(), i, a.Members()[i].Key, a.Members()[i].KeyPos, b.Members()[i].Key, b.Members()[i].KeyPos)
		}
		if d := treeDiff(a.Members()[i].Value, b.Members()[i].Value); d != "" {
			return d
		}
	}
	return ""
}

// TestParseReaderReadError checks that a failing read is reported as it
// is, not as malformed JSON.
func TestParseReaderReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader(`{"a": [1, 2`), iotest.ErrReader(boom))
	if _, err := ParseReader("e.json", r); !errors.Is(err, boom) {
		t.Errorf("error = %v, want %v", err, boom)
	}
	if _, err := ParseReader("e.json", iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("error = %v, want %v", err, boom)
	}
}

// TestPathsMatchPositionWithPath checks that Paths gives every value the
// position and path PositionWithPath gives it, across block boundaries and
// for a path too long to share a block; that paths made earlier are intact
// once every other path is made; and that a path extending the one before
// it shares its bytes.
func TestPathsMatchPositionWithPath(t *testing.T) {
	src := strings.TrimSuffix(resourcesDoc(3000), "\n  ]\n}\n") + fmt.Sprintf("\n  ], %q: {\"x\": 1}}", strings.Repeat("k", 2000))
	root, err := Parse("p.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var ps Paths
	n, shared := 0, 0
	type made struct {
		v   *Value
		pos apim.Position
	}
	var all []made
	prev := ""
	var walk func(v *Value)
	walk = func(v *Value) {
		n++
		got, want := ps.Position(v), v.PositionWithPath()
		if got != want {
			t.Fatalf("Paths.Position = %+v, want %+v", got, want)
		}
		if len(got.Path) > len(prev) && len(prev) > 0 && unsafe.StringData(got.Path) == unsafe.StringData(prev) {
			shared++
		}
		prev = got.Path
		all = append(all, made{v, got})
		for _, e := range v.Elems() {
			walk(e)
		}
		for _, m := range v.Members() {
			walk(m.Value)
		}
	}
	walk(root)
	if got := ps.Position(nil); got != (apim.Position{}) {
		t.Errorf("Paths.Position(nil) = %+v", got)
	}
	if n < 20000 {
		t.Fatalf("walked %d values", n)
	}
	for _, m := range all {
		if want := m.v.PositionWithPath(); m.pos != want {
			t.Fatalf("a path changed after it was made: %+v, want %+v", m.pos, want)
		}
	}
	// Every value with members or elements is followed by its first
	// child, whose path extends its own.
	if shared < n/4 {
		t.Errorf("%d of %d paths share the bytes of the path before them", shared, n)
	}
}

// TestKids: an array's elements and an object's members share one field
// of Value (issue 16); each accessor returns nil for the other kind, nil
// and empty stay apart, and writes through the returned slice reach v.
func TestKids(t *testing.T) {
	if got := unsafe.Sizeof(Value{}); got > 72 {
		t.Errorf("Value is %d bytes, want at most 72", got)
	}
	a, b := &Value{Kind: String, Str: "a"}, &Value{Kind: String, Str: "b"}
	arr := (&Value{Kind: Array}).WithElems([]*Value{a})
	if got := arr.Elems(); len(got) != 1 || got[0] != a {
		t.Fatalf("Elems() = %v", got)
	}
	if arr.Members() != nil {
		t.Error("an array has members")
	}
	arr.Elems()[0] = b
	if arr.Elems()[0] != b {
		t.Error("a write through Elems() was lost")
	}
	arr.Append(a)
	if got := arr.Elems(); len(got) != 2 || got[1] != a {
		t.Errorf("after Append: %v", got)
	}

	obj := (&Value{Kind: Object}).WithMembers(make([]Member, 0, 4))
	if got := obj.Members(); got == nil || len(got) != 0 || cap(got) != 4 {
		t.Errorf("an empty object's members = %#v (cap %d), want empty, not nil, cap 4", got, cap(got))
	}
	if obj.Elems() != nil {
		t.Error("an object has elements")
	}
	obj.Set("k", a)
	if m := obj.Member("k"); m == nil || m.Value != a {
		t.Errorf("Member(k) = %v", m)
	}
	obj.SetElems([]*Value{b})
	if obj.Members() != nil || len(obj.Elems()) != 1 {
		t.Error("SetElems kept the members")
	}
	obj.SetMembers(nil)
	if obj.Members() != nil || obj.Elems() != nil {
		t.Error("SetMembers(nil) kept something")
	}
	if (&Value{Kind: Array}).Elems() != nil {
		t.Error("a new array's elements are not nil")
	}
}
