package arm

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// TestExprCacheOverflow resolves a template with far more distinct
// expressions than the expression cache holds (maxExprs), interleaved with
// expressions repeated in every resource (a variable whose value is itself
// an expression, a parameter, a malformed expression, a copy loop's body),
// so the cache is cleared many times between and during their uses: every
// value must come out as it would with an unbounded cache, every malformed
// expression must still be reported (once, as the resolver reports one
// issue per reason), and each resource keeps its position and path.
func TestExprCacheOverflow(t *testing.T) {
	n := 3*maxExprs + 123
	var b strings.Builder
	b.WriteString(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",` + "\r\n" +
		`"contentVersion": "1.0.0.0",` + "\r\n" +
		`"parameters": {"apimName": {"type": "string", "defaultValue": "apim"}},` + "\r\n" +
		`"variables": {"suffix": "[concat('.', 'backend', '.example')]", "tls": {"validateCertificateChain": "[equals(1, 1)]"}},` + "\r\n" +
		`"resources": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		// Three distinct expressions per resource, three shared ones.
		fmt.Fprintf(&b, "\r\n\t{\"type\": \"Microsoft.ApiManagement/service/backends\", \"apiVersion\": \"2024-05-01\",\r\n"+
			"\t \"name\": \"[concat(parameters('apimName'), '/b-', string(add(%d, 0)))]\",\r\n"+
			"\t \"properties\": {\"url\": \"[format('https://h{0}{1}', %d, variables('suffix'))]\", \"protocol\": \"http\",\r\n"+
			"\t  \"title\": \"[toUpper('t%d')]\", \"description\": \"[concat('d', 'x')]\", \"tls\": \"[variables('tls')]\"}}", i, i, i)
	}
	// A copy loop after the cache has been cleared many times.
	b.WriteString(",\r\n\t{\"type\": \"Microsoft.ApiManagement/service/namedValues\", \"apiVersion\": \"2024-05-01\"," +
		" \"copy\": {\"name\": \"nv\", \"count\": 3}," +
		" \"name\": \"[concat(parameters('apimName'), '/nv-', copyIndex())]\"," +
		" \"properties\": {\"displayName\": \"[concat('nv', copyIndex(1))]\", \"value\": \"[concat(variables('suffix'), copyIndex())]\"}}")
	b.WriteString("\r\n]}\r\n")
	src := []byte(b.String())
	root, err := jsontree.Parse("big.json", src)
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("big.json", root, nil)
	if len(res.Issues) != 0 {
		t.Fatalf("issues: %v", res.Issues[0])
	}
	if len(res.Resources) != n+3 {
		t.Fatalf("%d resources, want %d", len(res.Resources), n+3)
	}
	scan := strings.Split(string(src), "\n")
	line := 6 // the first resource's line
	for i := range n {
		r := res.Resources[i]
		if want := fmt.Sprintf("apim/b-%d", i); r.Name != want {
			t.Fatalf("resource %d: name %q, want %q", i, r.Name, want)
		}
		for _, c := range []struct {
			keys []string
			want string
		}{
			{[]string{"properties", "url"}, fmt.Sprintf(`"https://h%d.backend.example"`, i)},
			{[]string{"properties", "title"}, fmt.Sprintf(`"T%d"`, i)},
			{[]string{"properties", "description"}, `"dx"`},
			{[]string{"properties", "tls", "validateCertificateChain"}, `true`},
		} {
			if got := prop(r, c.keys...); got != c.want {
				t.Fatalf("resource %d: %v = %s, want %s", i, c.keys, got, c.want)
			}
		}
		// Each resource starts at "\t{" on its own line, three lines apart.
		if !strings.HasPrefix(scan[line-1], "\t{") {
			t.Fatalf("generator: line %d is %q", line, scan[line-1])
		}
		if got, want := r.Pos.String(), fmt.Sprintf("big.json:%d:2", line); got != want || r.Pos.Path != fmt.Sprintf("$.resources[%d]", i) {
			t.Fatalf("resource %d at %s %s, want %s $.resources[%d]", i, got, r.Pos.Path, want, i)
		}
		line += 4
	}
	for k := range 3 {
		r := res.Resources[n+k]
		if want := fmt.Sprintf("apim/nv-%d", k); r.Name != want {
			t.Errorf("copy %d: name %q, want %q", k, r.Name, want)
		}
		if got, want := prop(r, "properties", "value"), fmt.Sprintf(`".backend.example%d"`, k); got != want {
			t.Errorf("copy %d: value %s, want %s", k, got, want)
		}
		if got, want := prop(r, "properties", "displayName"), fmt.Sprintf(`"nv%d"`, k+1); got != want {
			t.Errorf("copy %d: displayName %s, want %s", k, got, want)
		}
	}
}

// TestExprCacheOverflowMalformed checks that a malformed expression used
// before and after the cache overflows is reported, and the same way.
func TestExprCacheOverflowMalformed(t *testing.T) {
	bad := "[concat('a', ]"
	var b strings.Builder
	b.WriteString(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [`)
	n := maxExprs + 10
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		desc := fmt.Sprintf("[concat('d', '%d')]", i)
		if i == 0 || i == n-1 {
			desc = bad
		}
		fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01", "name": "apim/b-%d", "properties": {"url": "https://x", "description": %q}}`, i, desc)
	}
	b.WriteString("]}")
	root, err := jsontree.Parse("bad.json", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("bad.json", root, nil)
	first, last := res.Resources[0], res.Resources[n-1]
	if prop(first, "properties", "description") != prop(last, "properties", "description") {
		t.Errorf("the malformed expression resolved to %s first and %s after the cache overflowed",
			prop(first, "properties", "description"), prop(last, "properties", "description"))
	}
	if got := prop(res.Resources[n/2], "properties", "description"); got != fmt.Sprintf(`"d%d"`, n/2) {
		t.Errorf("description %s", got)
	}
	// One issue per reason, at the first expression that produced it.
	if len(res.Issues) != 1 || res.Issues[0].Pos.Line != 1 || !strings.Contains(res.Issues[0].Msg, "malformed expression") {
		t.Errorf("issues %v, want the malformed expression once, on line 1", res.Issues)
	}
}

// TestExprArenaReuse overflows the expression cache while expressions
// parsed into the resolver's arena are being evaluated: expressions read
// variables evaluated on their first read, whose expressions are all
// distinct, so the cache is cleared in the middle of an outer expression
// (the arena must then leave its nodes alone) as well as between resources
// (the arena is reused). The first expression parsed, the first
// resource's name, reads more variables than the cache holds, so that the
// literal after them would be overwritten were the arena reused under it.
// Long calls take argument lists of their own. Sequential and parallel
// resolutions give every value as written.
func TestExprArenaReuse(t *testing.T) {
	const perRes, nRes, wide = 7, 2*maxExprs/7 + 300, maxExprs + 200
	var b strings.Builder
	b.WriteString(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "variables": {`)
	for i := range perRes * nRes {
		fmt.Fprintf(&b, "\n\"v%d\": \"[concat('v', '%d')]\",", i, i)
	}
	var name strings.Builder
	name.WriteString("[concat('head'")
	for i := range wide {
		fmt.Fprintf(&b, "\n\"w%d\": \"[concat('w', '%d')]\",", i, i)
		fmt.Fprintf(&name, ", variables('w%d')", i)
	}
	name.WriteString(", 'tail')]")
	b.WriteString("\n\"last\": 0},\n\"resources\": [")
	wants := make([]string, nRes)
	for r := range nRes {
		if r > 0 {
			b.WriteString(",")
		}
		var expr, want strings.Builder
		expr.WriteString("[concat('<")
		fmt.Fprintf(&expr, "%d", r)
		fmt.Fprintf(&want, "<%d", r)
		for k := range perRes {
			i := r*perRes + k
			fmt.Fprintf(&expr, "', variables('v%d'), '|%d", i, k)
			fmt.Fprintf(&want, "v%d|%d", i, k)
		}
		if r%50 == 0 { // a call of more arguments than a block holds
			for k := range arenaArgs + 1 {
				fmt.Fprintf(&expr, "', '%d", k%10)
				fmt.Fprintf(&want, "%d", k%10)
			}
		}
		expr.WriteString(">')]")
		want.WriteString(">")
		wants[r] = strconv.Quote(want.String())
		n := fmt.Sprintf("[format('r{0}', %d)]", r)
		if r == 0 {
			n = name.String()
		}
		fmt.Fprintf(&b, "\n{\"type\": \"T/a\", \"apiVersion\": \"1\", \"name\": \"%s\", \"properties\": {\"x\": \"%s\"}}", n, expr.String())
	}
	b.WriteString("]}")
	var wantName strings.Builder
	wantName.WriteString("head")
	for i := range wide {
		fmt.Fprintf(&wantName, "w%d", i)
	}
	wantName.WriteString("tail")
	for _, parallel := range []bool{false, true} {
		res, _ := resolveWith(t, "arena.json", []byte(b.String()), nil, parallel, 64)
		if len(res.Issues) != 0 || len(res.Resources) != nRes {
			t.Fatalf("parallel %v: %d resources, issues %v", parallel, len(res.Resources), res.Issues)
		}
		if got := res.Resources[0].Name; got != wantName.String() {
			t.Errorf("parallel %v: first name ends %q", parallel, got[max(0, len(got)-20):])
		}
		for r, want := range wants {
			if got := prop(res.Resources[r], "properties", "x"); got != want {
				t.Fatalf("parallel %v: resource %d: %s, want %s", parallel, r, got, want)
			}
		}
	}
}
