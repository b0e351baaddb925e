package jsontree

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/internal/gen"
)

// sameTree reports the first difference between two parsed trees: kinds,
// values, positions, member names and their positions, parent links.
func sameTree(path string, a, b *Value) error {
	if (a == nil) != (b == nil) {
		return fmt.Errorf("%s: nil %v vs %v", path, a == nil, b == nil)
	}
	if a == nil {
		return nil
	}
	if a.Kind != b.Kind || a.Bool != b.Bool || a.Str != b.Str || a.Origin != b.Origin {
		return fmt.Errorf("%s: %s %q vs %s %q", path, a.Kind, a.Str, b.Kind, b.Str)
	}
	if a.Position() != b.Position() {
		return fmt.Errorf("%s: at %s vs %s", path, a.Position(), b.Position())
	}
	if a.Path() != b.Path() {
		return fmt.Errorf("%s: path %s vs %s", path, a.Path(), b.Path())
	}
	if len(a.Members()) != len(b.Members()) || len(a.Elems()) != len(b.Elems()) {
		return fmt.Errorf("%s: %d/%d members, %d/%d elements", path, len(a.Members()), len(b.Members()), len(a.Elems()), len(b.Elems()))
	}
	for i := range a.Members() {
		ma, mb := a.Members()[i], b.Members()[i]
		if ma.Key != mb.Key || ma.KeyPos.Position() != mb.KeyPos.Position() {
			return fmt.Errorf("%s: member %d %q at %s vs %q at %s", path, i, ma.Key, ma.KeyPos, mb.Key, mb.KeyPos)
		}
		if ma.Value.Parent() != a || mb.Value.Parent() != b {
			return fmt.Errorf("%s.%s: parent link", path, ma.Key)
		}
		if err := sameTree(path+"."+ma.Key, ma.Value, mb.Value); err != nil {
			return err
		}
	}
	for i := range a.Elems() {
		if a.Elems()[i].Parent() != a || b.Elems()[i].Parent() != b {
			return fmt.Errorf("%s[%d]: parent link", path, i)
		}
		if err := sameTree(fmt.Sprintf("%s[%d]", path, i), a.Elems()[i], b.Elems()[i]); err != nil {
			return err
		}
	}
	return nil
}

// parseBoth parses data sequentially and with workers building the top arrays in batches of one element or of
// batch bytes.
func parseBoth(t *testing.T, name string, data []byte, batch int) (seq, par *Value, seqErr, parErr error) {
	t.Helper()
	saved := batchBytes
	batchBytes = batch
	defer func() { batchBytes = saved }()
	seq, seqErr = parseReader(name, bytes.NewReader(data), nil)
	par, parErr = parseReader(name, bytes.NewReader(data), newWorkers(3))
	return
}

// TestParallelSameTree: a parse whose top arrays are built by workers
// gives the sequential parse's tree, positions and paths, on generated
// templates, on every JSON file of the repository's fixtures and test
// data, and on layouts chosen to move lines and columns around (an
// element on the line of '[', CRLF, tabs, a byte order mark, multi-byte
// characters, escapes, nested and root arrays, scalars).
func TestParallelSameTree(t *testing.T) {
	inputs := map[string][]byte{
		"gen-300.json": gen.ARM(300, 30),
		"first-on-bracket-line.json": []byte(`{"resources": [{"a": 1,
  "b": [1, 2, {"c": "x"}]}, {"d": null}
	, 7, "s", true, [ [1], {} ],
	{"é": "ü\u00e9\n", "k": "\"q\""}]}`),
		"crlf-bom.json":     []byte("\xef\xbb\xbf{\r\n  \"resources\": [\r\n    { \"name\": \"a\",\r\n\t\"v\": [1,\r\n 2] },\r\n    { \"name\": \"b\" }\r\n  ],\r\n  \"outputs\": {}\r\n}\r\n"),
		"root-array.json":   []byte("[\n {\"a\": [1, 2]},\n {\"b\": {\"c\": [3]}},\n 4, \"five\", null\n]\n"),
		"empty-arrays.json": []byte(`{"a": [], "b": [[]], "c": {"d": [1, 2]}}`),
		"scalar.json":       []byte(`"just a string"`),
		"one-line.json":     []byte(`{"value":[{"id":"/x/1","properties":{"url":"https://a"}},{"id":"/x/2","properties":{"url":"https://b","list":["p","q"]}}],"nextLink":null}`),
	}
	root := filepath.Join("..", "..")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil {
			inputs[p] = data
		}
		return nil
	})
	if len(inputs) < 50 {
		t.Fatalf("only %d inputs: the fixtures were not found", len(inputs))
	}
	for name, data := range inputs {
		for _, batch := range []int{1, 200, 256 << 10} {
			seq, par, seqErr, parErr := parseBoth(t, name, data, batch)
			if fmt.Sprint(seqErr) != fmt.Sprint(parErr) {
				t.Errorf("%s (batch %d): error %v, sequential %v", name, batch, parErr, seqErr)
				continue
			}
			if err := sameTree("$", seq, par); err != nil {
				t.Errorf("%s (batch %d): %v", name, batch, err)
			}
		}
	}
}

// TestParallelErrors: malformed input gives the sequential parse's error
// at the same place, whichever batch the fault is in, and the first fault
// in file order wins when a worker's element and the reader both fail.
func TestParallelErrors(t *testing.T) {
	var deep strings.Builder
	deep.WriteString(`{"resources": [{"a": 1}, `)
	for range 10010 {
		deep.WriteString("[")
	}
	for range 10010 {
		deep.WriteString("]")
	}
	deep.WriteString("]}")
	cases := map[string]string{
		"syntax in an element":        "{\"resources\": [\n {\"a\": 1},\n {\"b\": 2,, \"c\": 3},\n {\"d\": 4}\n]}",
		"duplicate name in element":   "{\"resources\": [\n {\"a\": 1},\n {\"b\": 2, \"b\": 3}\n]}",
		"invalid UTF-8 in element":    "{\"resources\": [{\"a\": \"\xff\"}]}",
		"missing comma between":       "{\"resources\": [{\"a\": 1} {\"b\": 2}]}",
		"truncated in element":        "{\"resources\": [{\"a\": 1}, {\"b\": [1, 2",
		"truncated after element":     "{\"resources\": [{\"a\": 1}, {\"b\": 2}",
		"trailing comma":              "{\"resources\": [{\"a\": 1},]}",
		"data after the document":     "{\"resources\": [{\"a\": 1}]} {}",
		"bad escape in element":       "{\"resources\": [{\"a\": \"\\x\"}]}",
		"nesting too deep in element": deep.String(),
	}
	for name, in := range cases {
		for _, batch := range []int{1, 256 << 10} {
			_, _, seqErr, parErr := parseBoth(t, name, []byte(in), batch)
			if seqErr == nil {
				t.Fatalf("%s: the sequential parse accepted it", name)
			}
			if fmt.Sprint(seqErr) != fmt.Sprint(parErr) {
				t.Errorf("%s (batch %d):\n got  %v\n want %v", name, batch, parErr, seqErr)
			}
		}
	}
}

// TestParallelOnlyForLargeFiles: ParseReader builds on several cores only
// when reading a regular file of parallelMin bytes or more.
func TestParallelOnlyForLargeFiles(t *testing.T) {
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.json"), filepath.Join(dir, "large.json")
	if err := os.WriteFile(small, []byte(`{"resources": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(large, bytes.Repeat([]byte(" "), parallelMin), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want bool
	}{{small, false}, {large, true}} {
		f, err := os.Open(c.path)
		if err != nil {
			t.Fatal(err)
		}
		got := parallelFor(f) != nil
		f.Close()
		if want := c.want && maxProcs() > 1; got != want {
			t.Errorf("%s: parallel %v, want %v", filepath.Base(c.path), got, want)
		}
	}
	if parallelFor(bytes.NewReader(make([]byte, parallelMin))) != nil {
		t.Error("a reader that is not a file was parsed in parallel")
	}
}

func maxProcs() int { return runtime.GOMAXPROCS(0) }

// FuzzParallelSameTree: on any input, the parse with workers building
// the top arrays (batches of one element) accepts what the sequential
// parse accepts, with the same tree, and rejects the rest at the same
// place. Run: go test -run '^$' -fuzz FuzzParallelSameTree ./apim/jsontree
func FuzzParallelSameTree(f *testing.F) {
	for _, s := range []string{
		`{"resources": [{"a": 1, "b": [1, 2.5e-3, -0]}, {"c": "x\u00e9\"\\"}, 7, null, true, false]}`,
		"[\r\n {\"a\": [[]]},\t{}, \"\",\n -1E+2 ]",
		`{"a": [{"k": 1}, {"k": 1, "k": 2}]}`,
		`{"a": [{"k": "` + "\xff" + `"}]}`,
		`{"a": [1,]}`,
		`{"a": [{"b": {"c": [{"d": [1, {"e": null}]}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seq, par, seqErr, parErr := parseBoth(t, "f.json", data, 1)
		if (seqErr == nil) != (parErr == nil) {
			t.Fatalf("sequential error %v, parallel %v", seqErr, parErr)
		}
		if seqErr != nil {
			if !sameError(seqErr, parErr) {
				t.Fatalf("sequential error %v, parallel %v", seqErr, parErr)
			}
			return
		}
		if err := sameTree("$", seq, par); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWholeAhead: an element counts as whole in the decoder's buffer only
// when its closing bracket is there, brackets inside strings (escaped
// quotes included) not counting.
func TestWholeAhead(t *testing.T) {
	for _, tt := range []struct {
		buf  string
		want bool
	}{
		{`{"a": 1}`, true},
		{` , {"a": [1, {"b": 2}]}, {"c"`, true},
		{`{"a": "}"}`, true},
		{`{"a": "\"}"}`, true},
		{`{"a": "\\"}`, true},
		{`{"a": [1, 2]`, false},
		{`{"a": "}`, false},
		{`{"a": "\`, false},
		{`{"a": "\"}`, false},
		{`[[]`, false},
		{``, false},
		{`,`, false},
		{`{"a": "` + strings.Repeat("x", 300<<10) + `"}`, false}, // larger than a batch
	} {
		if got := wholeAhead([]byte(tt.buf)); got != tt.want {
			t.Errorf("wholeAhead(%.40q) = %v, want %v", tt.buf, got, tt.want)
		}
		if len(tt.buf) > 1000 {
			continue
		}
		// Split between the decoder's buffer and the bytes read ahead
		// of it anywhere, the answer is the same.
		for i := range len(tt.buf) + 1 {
			if got := wholeAhead([]byte(tt.buf[:i]), []byte(tt.buf[i:])); got != tt.want {
				t.Errorf("wholeAhead(%q, %q) = %v, want %v", tt.buf[:i], tt.buf[i:], got, tt.want)
			}
		}
	}
}

// TestParallelLargeElement: an element larger than a batch (a nested
// deployment holding the whole template) is read token by token by the
// reader, never held whole, and gives the sequential tree; many small
// arrays at the top level are built without a batch buffer or goroutine
// each (a review measured 512 KiB allocated per array before).
func TestParallelLargeElement(t *testing.T) {
	inner := gen.ARM(2000, 200)
	data := append(append([]byte(`{"resources": [{"type": "Microsoft.Resources/deployments", "properties": {"template": `), inner...), []byte("}}, {\"a\": 1}]}")...)
	seq, par, seqErr, parErr := parseBoth(t, "nested.json", data, 256<<10)
	if seqErr != nil || parErr != nil {
		t.Fatal(seqErr, parErr)
	}
	if err := sameTree("$", seq, par); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range 20000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\"k%d\":[%d]", i, i)
	}
	b.WriteString("}")
	small := []byte(b.String())
	allocated := func(pool func() *workers) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := parseReader("small.json", bytes.NewReader(small), pool()); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	seqBytes := allocated(func() *workers { return nil })
	parBytes := allocated(func() *workers { return newWorkers(2) })
	// Each small array is built on the reader with a few small
	// allocations for its batch, not a 512 KiB buffer and a goroutine.
	if parBytes > 2*seqBytes+uint64(2*batchBytes) {
		t.Errorf("parallel parse of 20,000 small arrays allocated %d bytes, sequential %d", parBytes, seqBytes)
	}
	seq, par, seqErr, parErr = parseBoth(t, "small.json", small, 256<<10)
	if seqErr != nil || parErr != nil {
		t.Fatal(seqErr, parErr)
	}
	if err := sameTree("$", seq, par); err != nil {
		t.Fatal(err)
	}
}

// invalidChar matches the character jsontext quotes in "invalid
// character" errors.
var invalidChar = regexp.MustCompile(`invalid character '(\\x[0-9a-f]{2}|[^']+)'`)

// sameError reports whether two parse errors are the same, but for how
// jsontext writes a multi-byte character it rejects: as the character
// when its bytes are all in the decoder's buffer, as '\xNN' when the
// buffer ends inside it. The sequential parse does the same at its own
// buffer boundaries; the element read again after a fault has others.
func sameError(a, b error) bool {
	norm := func(err error) string { return invalidChar.ReplaceAllString(fmt.Sprint(err), "invalid character '?'") }
	return norm(a) == norm(b)
}
