package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// loadProblemID is a literal naming one of the load-problem rules.
var loadProblemID = regexp.MustCompile(`^APIM9\d\d$`)

// TestNoMessageMatching keeps lint and the commands from telling load
// problems apart by their text (issue 12: the model gives each problem a
// typed Code and Kind). It fails on a strings.* call over a .Msg or
// .Unknown (the message of a load problem, the reason of an unknown
// value), and on an "APIM9xx" literal anywhere but a rule's ID.
func TestNoMessageMatching(t *testing.T) {
	var bad []string
	fset := token.NewFileSet()
	for _, root := range []string{"..", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			bad = append(bad, messageMatches(fset, f)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// messageMatches lists the places in f that read a load problem's text or
// name a load-problem rule by a literal.
func messageMatches(fset *token.FileSet, f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && k.Name == "ID" {
				return false // a rule's own ID
			}
		case *ast.BasicLit:
			if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && loadProblemID.MatchString(s) {
				out = append(out, fset.Position(n.Pos()).String()+": literal "+n.Value+" (use the rule value's ID, or the problem's Code)")
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				break
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "strings" {
				break
			}
			for _, a := range n.Args {
				ast.Inspect(a, func(m ast.Node) bool {
					if s, ok := m.(*ast.SelectorExpr); ok && (s.Sel.Name == "Msg" || s.Sel.Name == "Unknown") {
						out = append(out, fset.Position(n.Pos()).String()+": strings."+sel.Sel.Name+" over ."+s.Sel.Name+" (match the problem's Code and Kind)")
					}
					return true
				})
			}
		}
		return true
	})
	return out
}

// TestMessageMatchingDetected proves the scan above sees what it forbids.
func TestMessageMatchingDetected(t *testing.T) {
	const src = `package x
var r = Rule{ID: "APIM901"}
func f(is *Error) bool {
	if is.Code == "APIM902" { return true }
	return strings.HasPrefix(is.Msg, "cannot read ") || strings.Contains(fld.Unknown, "not a ")
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := messageMatches(fset, f)
	if len(got) != 3 {
		t.Fatalf("found %d, want 3 (the APIM902 literal, .Msg and .Unknown): %q", len(got), got)
	}
}

// TestProblemRule maps every problem class to the rule that reports it.
func TestProblemRule(t *testing.T) {
	for _, tt := range []struct {
		is   *apim.Error
		want *lint.Rule
	}{
		{&apim.Error{Code: apim.Malformed}, ParseError},
		{&apim.Error{Code: apim.Malformed, Kind: apim.IssueUnreadable}, ParseError},
		{&apim.Error{Code: apim.Unresolved, Kind: apim.IssueKeyVault}, UnresolvedValue},
		{&apim.Error{Code: apim.UnknownProperty, Kind: apim.IssueUnknownFile}, UnknownProperty},
		{&apim.Error{Code: apim.Malformed, Kind: apim.IssueBadDuration}, BreakerInvalid},
	} {
		if got := ProblemRule(tt.is); got != tt.want.ID {
			t.Errorf("ProblemRule(%s/%d) = %q, want %s", tt.is.Code, tt.is.Kind, got, tt.want.ID)
		}
	}
	if got := ProblemRule(&apim.Error{}); got != "" {
		t.Errorf("ProblemRule(no code) = %q, want none", got)
	}
}
