package parity

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Statuses a ledger row may have.
const (
	statusImplemented = "implemented"
	statusPartial     = "partial"
	statusNotYet      = "not yet"
	statusDifferent   = "deliberately different"
)

// validStatus is the closed set of statuses.
var validStatus = map[string]bool{
	statusImplemented: true,
	statusPartial:     true,
	statusNotYet:      true,
	statusDifferent:   true,
}

// needsProof reports whether a row with the given status must name at
// least one test: a behaviour we claim to run, exactly or in our own way.
func needsProof(status string) bool {
	return status == statusImplemented || status == statusDifferent
}

// errLedger is wrapped by every problem found in a ledger.
var errLedger = errors.New("parity ledger")

// testRef is one proof: a test function in a package directory.
type testRef struct {
	Pkg     string // package directory relative to the module root, slash-separated
	Func    string // top-level test function (TestX or FuzzX)
	Subtest string // "/sub/test" or ""
	Raw     string // the code span as written
}

// row is one data row of a ledger table.
type row struct {
	Line      int // 1-based line in the ledger
	Behaviour string
	Status    string
	Proofs    []testRef
}

// refRE matches a proof code span: a package path, a dot, a test or fuzz
// function name, and optional subtest names. Path components start with a
// letter, digit or underscore, so "." and ".." (a path leaving the module)
// cannot match.
var refRE = regexp.MustCompile(`^([a-z0-9_][a-z0-9_.-]*(?:/[a-z0-9_][a-z0-9_.-]*)*)\.((?:Test|Fuzz)[A-Za-z0-9_]*)(/.+)?$`)

// codeSpanRE finds the code spans of a table cell.
var codeSpanRE = regexp.MustCompile("`([^`]+)`")

// parseRef parses one proof code span.
func parseRef(s string) (testRef, error) {
	m := refRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return testRef{}, fmt.Errorf("%q is not a pkg/path.TestName reference", s)
	}
	if m[2] == "Test" || m[2] == "Fuzz" {
		return testRef{}, fmt.Errorf("%q names no test function", s)
	}
	return testRef{Pkg: m[1], Func: m[2], Subtest: m[3], Raw: s}, nil
}

// splitCells splits a Markdown table line into trimmed cells; "\|" is a
// literal pipe inside a cell (GitHub Flavored Markdown).
func splitCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		line = line[:len(line)-1]
	}
	var cells []string
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			b.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(b.String()))
}

// isDelimiterRow reports whether cells are a table's |---|:--:| row.
func isDelimiterRow(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, ":-") != "" || !strings.Contains(c, "-") {
			return false
		}
	}
	return len(cells) > 0
}

// parseLedger reads every table of the ledger that has a "status" column
// and returns its rows. A ledger table must also have "behaviour" and
// "proof" columns. Problems (malformed rows, unknown statuses, proofs that
// do not parse, implemented rows without proof) are returned joined, each
// naming name:line.
func parseLedger(name string, r io.Reader) ([]row, error) {
	// The parser walks tables line by line: a header row, a delimiter row,
	// then data rows until the first line that is not a table row.
	const (
		outside = iota // not in a table
		header         // saw a header row, expecting the delimiter row
		ledger         // in the data rows of a ledger table
		other          // in the data rows of another table
	)
	var (
		rows       []row
		errs       []error
		state      = outside
		head       []string
		headLine   int
		width      int
		tables     int
		colBehav   int
		colStatus  int
		colProof   int
		inFence    bool
		lineNumber int
	)
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s:%d: %s", errLedger, name, line, fmt.Sprintf(format, args...)))
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lineNumber++
		n := lineNumber
		trimmed := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(trimmed, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(trimmed, "|") {
			state = outside
			continue
		}
		cells := splitCells(trimmed)
		switch state {
		case outside:
			state, head, headLine = header, cells, n
			continue
		case header:
			if !isDelimiterRow(cells) {
				// Not a table after all; this line may start one.
				head, headLine = cells, n
				continue
			}
			colBehav, colStatus, colProof = -1, -1, -1
			for i, h := range head {
				switch strings.ToLower(strings.Trim(h, "*_ ")) {
				case "behaviour", "behavior":
					colBehav = i
				case "status":
					colStatus = i
				case "proof":
					colProof = i
				}
			}
			state = other
			if colStatus < 0 {
				continue
			}
			tables++
			if colBehav < 0 || colProof < 0 {
				bad(headLine, "a table with a status column needs behaviour and proof columns (header %q)", strings.Join(head, " | "))
				continue
			}
			state, width = ledger, len(head)
			continue
		case other:
			continue
		}
		if len(cells) != width {
			bad(n, "row has %d cells, the table header has %d", len(cells), width)
			continue
		}
		rw := row{Line: n, Behaviour: cells[colBehav], Status: strings.ToLower(strings.Trim(cells[colStatus], "*_ "))}
		if rw.Behaviour == "" {
			bad(n, "empty behaviour")
		}
		if !validStatus[rw.Status] {
			bad(n, "status %q is not one of implemented, partial, not yet, deliberately different", cells[colStatus])
		}
		for _, m := range codeSpanRE.FindAllStringSubmatch(cells[colProof], -1) {
			ref, err := parseRef(m[1])
			if err != nil {
				bad(n, "proof: %v", err)
				continue
			}
			rw.Proofs = append(rw.Proofs, ref)
		}
		if needsProof(rw.Status) && len(rw.Proofs) == 0 {
			bad(n, "%q is %s but names no test in its proof column", rw.Behaviour, rw.Status)
		}
		rows = append(rows, rw)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %s: %v", errLedger, name, err))
	}
	if tables == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%w: %s: no table with a status column", errLedger, name))
	}
	return rows, errors.Join(errs...)
}

// testFuncs returns the names of the top-level functions declared in the
// *_test.go files of dir.
func testFuncs(dir string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("no package directory %s", dir)
		}
		return nil, fmt.Errorf("%s has no _test.go files", dir)
	}
	fset := token.NewFileSet()
	funcs := map[string]bool{}
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				funcs[fd.Name.Name] = true
			}
		}
	}
	return funcs, nil
}

// checkProofs verifies that every proof of rows names an existing test
// function; root is the module root. Problems name ledger:line.
func checkProofs(name, root string, rows []row) error {
	cache := map[string]map[string]bool{}
	dirErr := map[string]error{}
	var errs []error
	for _, rw := range rows {
		for _, ref := range rw.Proofs {
			funcs, seen := cache[ref.Pkg]
			if !seen {
				funcs, dirErr[ref.Pkg] = testFuncs(filepath.Join(root, filepath.FromSlash(ref.Pkg)))
				cache[ref.Pkg] = funcs
			}
			if err := dirErr[ref.Pkg]; err != nil {
				errs = append(errs, fmt.Errorf("%w: %s:%d: proof `%s`: %v", errLedger, name, rw.Line, ref.Raw, err))
				continue
			}
			if !funcs[ref.Func] {
				errs = append(errs, fmt.Errorf("%w: %s:%d: proof `%s`: no func %s in %s/*_test.go", errLedger, name, rw.Line, ref.Raw, ref.Func, ref.Pkg))
			}
		}
	}
	return errors.Join(errs...)
}
