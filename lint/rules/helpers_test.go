package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// ruleFile matches a rule's own file ("apim412_request_body_consumed.go");
// helper files shared by several rules are named otherwise
// (apim000_helpers.go, apim2xx_breaker.go, policies.go, routes.go…).
var ruleFile = regexp.MustCompile(`^apim(00[1-9]|0[1-9]\d|[1-9]\d\d)_[a-z0-9_]+\.go$`)

// TestNoHelperInRuleFile enforces that a rule file can be deleted without
// breaking its neighbours: no rule file uses a top-level identifier
// declared in another rule's file. Helpers used by several rules live in
// helper files (STYLE.md, "Shared helpers live in a helper package").
func TestNoHelperInRuleFile(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declaredIn := map[string]string{} // identifier → rule file
	parsed := map[string]*ast.File{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed[name] = f
		if !ruleFile.MatchString(name) {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					declaredIn[d.Name.Name] = name
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						declaredIn[s.Name.Name] = name
					case *ast.ValueSpec:
						for _, n := range s.Names {
							declaredIn[n.Name] = name
						}
					}
				}
			}
		}
	}
	var bad []string
	for name, f := range parsed {
		if !ruleFile.MatchString(name) {
			continue
		}
		seen := map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				ast.Inspect(n.X, func(m ast.Node) bool { return visitIdent(m, name, declaredIn, seen, &bad) })
				return false // n.Sel is a field or method name, not ours
			case *ast.KeyValueExpr:
				if _, ok := n.Key.(*ast.Ident); ok {
					ast.Inspect(n.Value, func(m ast.Node) bool { return visitIdent(m, name, declaredIn, seen, &bad) })
					return false // a struct field key
				}
			}
			return visitIdent(n, name, declaredIn, seen, &bad)
		})
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

func visitIdent(n ast.Node, file string, declaredIn map[string]string, seen map[string]bool, bad *[]string) bool {
	id, ok := n.(*ast.Ident)
	if !ok || id.Obj != nil {
		return true // not an identifier, or one declared in this file (a local)
	}
	if other := declaredIn[id.Name]; other != "" && other != file && !seen[id.Name] {
		seen[id.Name] = true
		*bad = append(*bad, file+" uses "+id.Name+", declared in rule file "+other+": move it to a helper file")
	}
	return true
}
