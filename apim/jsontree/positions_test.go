package jsontree

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/iotest"
)

// byteScan maps offsets of src to the 1-based line and byte column by
// scanning the bytes, independently of Lines: line = newlines before the
// offset plus one, column = bytes since the last newline plus one (a CR
// before LF is the last byte of its line, a BOM counts on the first line,
// as the package documents columns in bytes).
type byteScan struct {
	src []byte
	nls []int // offsets of the newlines
}

func newByteScan(src []byte) *byteScan {
	s := &byteScan{src: src}
	for i, c := range src {
		if c == '\n' {
			s.nls = append(s.nls, i)
		}
	}
	return s
}

func (s *byteScan) loc(off int) string {
	n := sort.SearchInts(s.nls, off) // newlines before off
	start := 0
	if n > 0 {
		start = s.nls[n-1] + 1
	}
	return fmt.Sprintf("%d:%d", n+1, off-start+1)
}

// posDoc writes a JSON document and records, in document order, the byte
// offset of every value and of every object key it writes, so a test can
// compare a parse's positions against offsets it never computed itself.
type posDoc struct {
	buf    bytes.Buffer
	nl     string // line ending: "\n" or "\r\n"
	values []int  // offsets of values, pre-order
	keys   []int  // offsets of keys, pre-order
	n      int
}

func (d *posDoc) ws(depth int) {
	d.buf.WriteString(d.nl)
	// Tabs and spaces mixed: a tab is one byte of column, like any other.
	for range depth {
		d.buf.WriteString("\t ")
	}
}

func (d *posDoc) val(s string) {
	d.values = append(d.values, d.buf.Len())
	d.buf.WriteString(s)
}

func (d *posDoc) key(k string) {
	d.keys = append(d.keys, d.buf.Len())
	fmt.Fprintf(&d.buf, "%q", k)
	d.buf.WriteString(":\t")
}

// backend writes one object with multi-byte text, escapes, numbers,
// literals, a nested array and (when long > 0) a string of long bytes on
// the same line as the values after it.
func (d *posDoc) backend(depth, long int) {
	d.n++
	d.val("{")
	d.ws(depth + 1)
	d.key("name")
	d.val(fmt.Sprintf(`"b-%d-é日本😀"`, d.n))
	d.buf.WriteString(",")
	d.ws(depth + 1)
	d.key("描述")
	d.val(`"\u00e9\t\"x\" ü"`)
	d.buf.WriteString(", ")
	d.key("n")
	d.val(fmt.Sprint(d.n))
	d.buf.WriteString(", ")
	if long > 0 {
		d.key("long")
		d.val(`"` + strings.Repeat("ß", long/2) + `"`)
		d.buf.WriteString(", ")
	}
	d.key("ok")
	d.val("true")
	d.buf.WriteString(",\t")
	d.key("none")
	d.val("null")
	d.buf.WriteString(",")
	d.ws(depth + 1)
	d.key("list")
	d.val("[")
	d.val("1.5e3")
	d.buf.WriteString(",")
	d.ws(depth + 2)
	d.val(`"ø"`)
	d.buf.WriteString(", ")
	d.val("{")
	d.buf.WriteString("}")
	d.buf.WriteString("]")
	d.ws(depth)
	d.buf.WriteString("}")
}

// genPosDoc writes {"resources": [ n backends ]} with the given line
// ending, an optional BOM and, every longEvery backends, a line longer
// than long bytes.
func genPosDoc(n int, nl string, bom bool, long, longEvery int) *posDoc {
	d := &posDoc{nl: nl}
	if bom {
		d.buf.WriteString("\xef\xbb\xbf")
	}
	d.val("{")
	d.ws(1)
	d.key("resources")
	d.val("[")
	for i := range n {
		if i > 0 {
			d.buf.WriteString(",")
		}
		d.ws(2)
		l := 0
		if longEvery > 0 && i%longEvery == longEvery-1 {
			l = long
		}
		d.backend(2, l)
	}
	d.ws(1)
	d.buf.WriteString("]")
	d.buf.WriteString(d.nl + "}" + d.nl)
	return d
}

// checkPositions walks root in document order and compares every value's
// and key's position with the offsets the generator recorded.
func checkPositions(t *testing.T, src []byte, d *posDoc, root *Value) {
	t.Helper()
	var vals, keys []string
	var walk func(v *Value)
	walk = func(v *Value) {
		vals = append(vals, fmt.Sprintf("%d:%d", v.Pos.line, v.Pos.col))
		for _, e := range v.Elems() {
			walk(e)
		}
		for _, m := range v.Members() {
			keys = append(keys, fmt.Sprintf("%d:%d", m.KeyPos.line, m.KeyPos.col))
			walk(m.Value)
		}
	}
	walk(root)
	if len(vals) != len(d.values) || len(keys) != len(d.keys) {
		t.Fatalf("%d values and %d keys parsed, %d and %d written", len(vals), len(keys), len(d.values), len(d.keys))
	}
	bad := 0
	scan := newByteScan(src)
	for i, off := range d.values {
		if want := scan.loc(off); vals[i] != want {
			t.Errorf("value %d (offset %d, %.20q): at %s, want %s", i, off, src[off:], vals[i], want)
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
	for i, off := range d.keys {
		if want := scan.loc(off); keys[i] != want {
			t.Errorf("key %d (offset %d, %.20q): at %s, want %s", i, off, src[off:], keys[i], want)
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

// posReaders are the ways a test feeds a document to ParseReader: whole,
// in odd-sized pieces, one byte at a time, and from a file (the loader's
// way), besides Parse on the bytes.
func posParsers(t *testing.T, src []byte) map[string]func() (*Value, error) {
	path := filepath.Join(t.TempDir(), "doc.json")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	ps := map[string]func() (*Value, error){
		"Parse": func() (*Value, error) { return Parse("d.json", src) },
		"ParseReader/whole": func() (*Value, error) {
			return ParseReader("d.json", bytes.NewReader(src))
		},
		"ParseReader/half": func() (*Value, error) {
			return ParseReader("d.json", iotest.HalfReader(bytes.NewReader(src)))
		},
		"ParseReader/file": func() (*Value, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return ParseReader("d.json", f)
		},
	}
	if len(src) < 300<<10 {
		ps["ParseReader/one-byte"] = func() (*Value, error) {
			return ParseReader("d.json", iotest.OneByteReader(bytes.NewReader(src)))
		}
	}
	return ps
}

// TestPositionsAgainstByteScan checks the line and column of every value
// and key against positions computed by scanning the document's bytes, for
// documents with CRLF line endings, a BOM, tabs, multi-byte UTF-8, lines
// longer than the reader's buffer and more lines than the streaming line
// window (lineWindow) holds, over 1 MB.
func TestPositionsAgainstByteScan(t *testing.T) {
	for _, tt := range []struct {
		name            string
		n               int
		nl              string
		bom             bool
		long, longEvery int
	}{
		{"lf", 50, "\n", false, 0, 0},
		{"crlf-bom", 50, "\r\n", true, 0, 0},
		{"crlf-window", 3000, "\r\n", false, 0, 0},
		{"lf-long-lines", 40, "\n", true, 150 << 10, 7},
		{"crlf-1mb-long-lines", 6000, "\r\n", true, 70 << 10, 1000},
		{"one-line", 2000, "", false, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := genPosDoc(tt.n, tt.nl, tt.bom, tt.long, tt.longEvery)
			src := d.buf.Bytes()
			if strings.Contains(tt.name, "1mb") && len(src) < 1<<20 {
				t.Fatalf("document is %d bytes", len(src))
			}
			for name, parse := range posParsers(t, src) {
				t.Run(name, func(t *testing.T) {
					root, err := parse()
					if err != nil {
						t.Fatal(err)
					}
					checkPositions(t, src, d, root)
				})
			}
		})
	}
}

// TestErrorPositionsAgainstByteScan puts a syntax error at a known offset
// (late in large documents, past the streaming line window, after long
// lines, with CRLF, a BOM and multi-byte text before it) and checks the
// error's line:col against a scan of the bytes.
func TestErrorPositionsAgainstByteScan(t *testing.T) {
	type errCase struct {
		name string
		src  []byte
		off  int    // where the error is
		msg  string // part of the message
	}
	var cases []errCase
	// breakAt replaces the last "null" value with bad, the error at its start.
	// at is where in bad the error is.
	breakAt := func(name string, d *posDoc, bad string, at int, msg string) {
		src := bytes.Clone(d.buf.Bytes())
		i := bytes.LastIndex(src, []byte("null"))
		src = append(src[:i:i], append([]byte(bad), src[i+4:]...)...)
		cases = append(cases, errCase{name, src, i + at, msg})
	}
	big := func() *posDoc { return genPosDoc(6000, "\r\n", true, 70<<10, 1000) }
	breakAt("1mb-crlf-invalid-char", big(), "x", 0, "invalid character 'x'")
	breakAt("1mb-lf-invalid-char", genPosDoc(6000, "\n", false, 0, 0), "x", 0, "invalid character 'x'")
	breakAt("window-crlf-literal", genPosDoc(3000, "\r\n", false, 0, 0), "nul", 3, "in literal null")
	breakAt("one-line", genPosDoc(3000, "", false, 0, 0), "x", 0, "invalid character 'x'")
	{
		// A duplicate key: the error is at the second name.
		d := big()
		src := bytes.Clone(d.buf.Bytes())
		i := bytes.LastIndex(src, []byte(`"none"`))
		src = append(src[:i:i], append([]byte(`"ok"`), src[i+6:]...)...)
		cases = append(cases, errCase{"1mb-crlf-duplicate-key", src, i, "duplicate"})
	}
	{
		// Data after the top-level value, on the last line.
		d := big()
		src := append(bytes.Clone(d.buf.Bytes()), "\r\n\t {}"...)
		cases = append(cases, errCase{"1mb-crlf-trailing", src, len(src) - 2, "after the top-level value"})
	}
	{
		// Truncated: the error is at the end of the input.
		d := big()
		src := d.buf.Bytes()
		src = bytes.Clone(src[:bytes.LastIndex(src, []byte("]"))])
		cases = append(cases, errCase{"1mb-crlf-truncated", src, len(src), "unexpected end"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.src) > 1<<20 && c.off < len(c.src)-(1<<10)*64 {
				t.Fatalf("error at %d of %d: not near the end", c.off, len(c.src))
			}
			want := "d.json:" + newByteScan(c.src).loc(c.off) + ": "
			for name, parse := range posParsers(t, c.src) {
				_, err := parse()
				if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), c.msg) {
					t.Errorf("%s: error %v, want at %s containing %q", name, err, want, c.msg)
				}
			}
		})
	}
}
