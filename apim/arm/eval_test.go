package arm

import (
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

const evalTemplate = `{
  "parameters": {
    "name": {"type": "string", "defaultValue": "Orders"},
    "missing": {"type": "string"},
    "secret": {"type": "securestring", "defaultValue": "pw"},
    "cfg": {"type": "object", "defaultValue": {"a": 1, "nested": {"b": "x"}, "flag": true}},
    "list": {"type": "array", "defaultValue": ["x", "y", "z"]},
    "n": {"type": "int", "defaultValue": 5},
    "selfRef": {"type": "string", "defaultValue": "[parameters('selfRef')]"},
    "nullable": {"type": "string", "nullable": true}
  },
  "variables": {
    "v": "[concat(parameters('name'), '-v')]",
    "cycleA": "[variables('cycleB')]",
    "cycleB": "[variables('cycleA')]",
    "obj": {"k": "[parameters('name')]"},
    "copy": [{"name": "sq", "count": 3, "input": "[mul(copyIndex('sq'), copyIndex('sq'))]"}]
  },
  "functions": [{"namespace": "my", "members": {
    "greet": {"parameters": [{"name": "who", "type": "string"}], "output": {"type": "string", "value": "[format('hi {0}', parameters('who'))]"}}
  }}],
  "resources": []
}`

// evalIn evaluates expr against evalTemplate inside a copy loop named
// "outer" at index 2, and renders the result as compact JSON, or "?reason"
// for an unknown value.
func evalIn(t *testing.T, expr string) (*value, *resolver) {
	t.Helper()
	root, err := jsontree.Parse("t.json", []byte(evalTemplate))
	if err != nil {
		t.Fatal(err)
	}
	r := newResolver("t.json")
	s := r.newScope(root, nil, "")
	e := &env{s: s, loops: []loop{{name: "outer", idx: 2}}}
	return e.resolve(&value{Kind: jsontree.String, Str: expr}, true), r
}

func render(v *value) string {
	if isUnknown(v) {
		return "?" + v.Reason()
	}
	var b strings.Builder
	writeJSON(&b, v)
	return b.String()
}

func TestEval(t *testing.T) {
	tests := []struct{ expr, want string }{
		// Literals, parameters, variables.
		{"['it''s']", `"it's"`},
		{"[42]", `42`},
		{"[true]", `true`},
		{"[null()]", `null`},
		{"[parameters('name')]", `"Orders"`},
		{"[PARAMETERS('NAME')]", `"Orders"`},
		{"[parameters('missing')]", `?parameter "missing" has no value (pass --parameters)`},
		{"[parameters('nope')]", `?parameters(): parameter "nope" is not declared`},
		{"[parameters('selfRef')]", `?refers to itself`},
		{"[parameters('nullable')]", `null`},
		{"[parameters('cfg').nested.b]", `"x"`},
		{"[parameters('cfg')['nested']['B']]", `"x"`},
		{"[parameters('cfg').zzz]", `?property "zzz" does not exist`},
		{"[parameters('list')[1]]", `"y"`},
		{"[parameters('list')[9]]", `?index 9 out of range (array length 3)`},
		{"[variables('v')]", `"Orders-v"`},
		{"[variables('obj')]", `{"k":"Orders"}`},
		{"[variables('sq')]", `[0,1,4]`},
		{"[variables('cycleA')]", `?refers to itself`},
		{"[variables('nope')]", `?variable "nope" is not declared`},
		{"[my.greet('you')]", `"hi you"`},
		{"[my.other('you')]", `?unsupported template function "my.other"`},
		{"[frobnicate(1)]", `?unsupported template function "frobnicate"`},
		// Strings.
		{"[concat('a', 1, true, 'b')]", `"a1Trueb"`},
		{"[concat(createArray(1), createArray(2, 3))]", `[1,2,3]`},
		{"[concat('a', parameters('missing'))]", `?parameter "missing" has no value`},
		{"[format('{0}-{1}', 'a', 2)]", `"a-2"`},
		{"[format('{0:N0}|{0:N2}|{1:D3}|{1:X}|{{x}}', 1234567, 255)]", `"1,234,567|1,234,567.00|255|FF|{x}"`},
		{"[format('{0,5}|{0,-3}|', 'ab')]", `"   ab|ab |"`},
		{"[format('{2}', 'a')]", `?placeholder {2} has no argument`},
		{"[toLower('AbC')]", `"abc"`},
		{"[toUpper('AbC')]", `"ABC"`},
		{"[string(createObject('a', 1))]", `"{\"a\":1}"`},
		{"[string(false)]", `"False"`},
		{"[string(12)]", `"12"`},
		{"[int('42')]", `42`},
		{"[int('x')]", `?cannot convert`},
		{"[bool('TRUE')]", `true`},
		{"[bool(0)]", `false`},
		{"[json('{\"a\":[1,2]}').a[1]]", `2`},
		{"[json('nope')]", `?invalid JSON`},
		{"[replace('a-b-c', '-', '.')]", `"a.b.c"`},
		{"[split('a,b;c', createArray(',', ';'))]", `["a","b","c"]`},
		{"[substring('hello', 1, 3)]", `"ell"`},
		{"[substring('hello', 4, 3)]", `?exceeds the string length`},
		{"[trim('  x ')]", `"x"`},
		{"[startsWith('abcdef', 'AB')]", `true`},
		{"[endsWith('abcdef', 'EF')]", `true`},
		{"[indexOf('abcdef', 'CD')]", `2`},
		{"[lastIndexOf('abcabc', 'b')]", `4`},
		{"[indexOf(createArray('a', 'b'), 'b')]", `1`},
		{"[padLeft('7', 3, '0')]", `"007"`},
		{"[base64('one, two')]", `"b25lLCB0d28="`},
		{"[base64ToString('b25lLCB0d28=')]", `"one, two"`},
		{"[base64ToString('***')]", `?invalid base64`},
		{"[uri('http://contoso.com/resources/', 'nested/t.json')]", `"http://contoso.com/resources/nested/t.json"`},
		{"[uriComponent('a b/c')]", `"a%20b%2Fc"`},
		{"[uriComponentToString('a%20b')]", `"a b"`},
		{"[dataUriToString(dataUri('hi'))]", `"hi"`},
		{"[length(uniqueString('a', 'b'))]", `13`},
		{"[equals(uniqueString('a'), uniqueString('a'))]", `true`},
		{"[guid('a', 'b')]", `"` + fnGUID(nil, nil, []*value{strVal("a"), strVal("b")}).Str + `"`},
		{"[length(guid('x'))]", `36`},
		{"[join(createArray('a', 'b'), '+')]", `"a+b"`},
		// Logic and comparison.
		{"[if(equals(1, 1), 'yes', parameters('missing'))]", `"yes"`},
		{"[if(false, parameters('missing'), 'no')]", `"no"`},
		{"[if(equals(parameters('missing'), 'x'), 'a', 'b')]", `?parameter "missing" has no value`},
		{"[if('x', 1, 2)]", `?condition must be a boolean`},
		{"[and(true, false)]", `false`},
		{"[and(parameters('cfg').flag, true)]", `true`},
		{"[and(equals(parameters('missing'), 'a'), false)]", `false`},
		{"[or(equals(parameters('missing'), 'a'), true)]", `true`},
		{"[or(equals(parameters('missing'), 'a'), false)]", `?has no value`},
		{"[not(true)]", `false`},
		{"[equals(createObject('a', 1), createObject('a', 1))]", `true`},
		{"[equals('a', 'A')]", `false`},
		{"[greater(2, 1)]", `true`},
		{"[less('a', 'b')]", `true`},
		{"[greaterOrEquals(1, 1)]", `true`},
		{"[lessOrEquals(2, 1)]", `false`},
		{"[greater('a', 1)]", `?cannot compare`},
		{"[coalesce(null(), 'b', parameters('missing'))]", `"b"`},
		{"[coalesce(parameters('missing'), 'b')]", `?has no value`},
		{"[coalesce(null(), null())]", `null`},
		{"[empty('')]", `true`},
		{"[empty(createArray(1))]", `false`},
		{"[empty(null())]", `true`},
		// Numbers.
		{"[add(1, 2)]", `3`},
		{"[sub(1, 2)]", `-1`},
		{"[mul(3, 4)]", `12`},
		{"[div(7, 2)]", `3`},
		{"[mod(7, 2)]", `1`},
		{"[div(1, 0)]", `?division by zero`},
		{"[min(3, 1, 2)]", `1`},
		{"[max(createArray(3, 9, 2))]", `9`},
		{"[range(2, 3)]", `[2,3,4]`},
		// Arrays and objects.
		{"[length(parameters('list'))]", `3`},
		{"[length('héllo')]", `5`},
		{"[createObject('a', parameters('missing'), 'b', 2).b]", `2`},
		{"[createArray(1, 'two')]", `[1,"two"]`},
		{"[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))]", `{"a":1,"n":{"x":1,"y":2},"b":2}`},
		{"[union(createArray(1, 2), createArray(2, 3))]", `[1,2,3]`},
		{"[intersection(createArray(1, 2, 3), createArray(2, 3, 4))]", `[2,3]`},
		{"[shallowMerge(createArray(createObject('a', 1, 'n', createObject('x', 1)), createObject('n', createObject('y', 2))))]", `{"a":1,"n":{"y":2}}`},
		{"[tryGet(parameters('cfg'), 'nested', 'b')]", `"x"`},
		{"[tryGet(parameters('cfg'), 'zzz')]", `null`},
		{"[tryGet(parameters('list'), 7)]", `null`},
		{"[contains('abc', 'b')]", `true`},
		{"[contains(parameters('list'), 'z')]", `true`},
		{"[contains(parameters('cfg'), 'NESTED')]", `true`},
		{"[first(parameters('list'))]", `"x"`},
		{"[last(parameters('list'))]", `"z"`},
		{"[first('abc')]", `"a"`},
		{"[skip(parameters('list'), 1)]", `["y","z"]`},
		{"[take(parameters('list'), 10)]", `["x","y","z"]`},
		{"[take('abcdef', 2)]", `"ab"`},
		{"[items(createObject('b', 2, 'a', 1))]", `[{"key":"a","value":1},{"key":"b","value":2}]`},
		{"[array('x')]", `["x"]`},
		{"[objectKeys(parameters('cfg'))]", `["a","nested","flag"]`},
		{"[flatten(createArray(createArray(1), createArray(2, 3)))]", `[1,2,3]`},
		{"[map(parameters('list'), lambda('x', toUpper(lambdaVariables('x'))))]", `["X","Y","Z"]`},
		{"[filter(range(0, 5), lambda('i', greater(lambdaVariables('i'), 2)))]", `[3,4]`},
		{"[reduce(range(1, 4), 0, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))]", `10`},
		{"[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]", `[1,2,3]`},
		{"[toObject(parameters('list'), lambda('x', lambdaVariables('x')), lambda('x', 1))]", `{"x":1,"y":1,"z":1}`},
		// Copy loops.
		{"[copyIndex()]", `2`},
		{"[copyIndex(1)]", `3`},
		{"[copyIndex('OUTER', 10)]", `12`},
		{"[copyIndex('other')]", `?no copy loop named "other"`},
		// Deployment functions.
		{"[resourceGroup().name]", `"resourceGroup"`},
		{"[resourceGroup().location]", `"resourceGroupLocation"`},
		{"[resourceGroup().id]", `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup"`},
		{"[subscription().subscriptionId]", `"00000000-0000-0000-0000-000000000000"`},
		{"[deployment().name]", `"deployment"`},
		{"[environment().suffixes.keyvaultDns]", `".vault.azure.net"`},
		{"[resourceGroup().tags]", `?needs a live deployment`},
		{"[resourceId('Microsoft.ApiManagement/service/backends', 'apim', 'b1')]", `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/Microsoft.ApiManagement/service/apim/backends/b1"`},
		{"[resourceId('rg2', 'Microsoft.ApiManagement/service', 'apim')]", `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg2/providers/Microsoft.ApiManagement/service/apim"`},
		{"[resourceId('sub', 'rg2', 'Microsoft.ApiManagement/service', 'apim')]", `"/subscriptions/sub/resourceGroups/rg2/providers/Microsoft.ApiManagement/service/apim"`},
		{"[resourceId('Microsoft.ApiManagement/service/backends', 'apim')]", `?needs 2 name segment(s), got 1`},
		{"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r1')]", `"/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/r1"`},
		{"[reference('x').outputs]", `?reference("x") needs a live deployment`},
		{"[listKeys('x', '2020-01-01').keys[0]]", `?listKeys() needs a live deployment`},
		{"[listSecrets('x', '2020-01-01')]", `?listSecrets() needs a live deployment`},
		{"[newGuid()]", `?only known during a live deployment`},
		{"[utcNow()]", `?only known during a live deployment`},
		// Arity errors.
		{"[concat()]", `""`},
		{"[not(true, false)]", `?not(): expects 1 argument(s), got 2`},
	}
	checkEvals(t, tests)
}

func TestEvalOrigins(t *testing.T) {
	tests := []struct {
		expr string
		want jsontree.Origin
	}{
		{"[parameters('name')]", jsontree.Parameter},
		{"[parameters('secret')]", jsontree.SecureParameter},
		{"[concat('Bearer ', parameters('secret'))]", jsontree.SecureParameter},
		{"[concat('x', parameters('name'))]", jsontree.Computed},
		{"[variables('v')]", jsontree.Computed},
		{"['lit']", jsontree.Computed},
	}
	for _, tt := range tests {
		v, _ := evalIn(t, tt.expr)
		if v.Origin != tt.want {
			t.Errorf("%s: origin = %v, want %v", tt.expr, v.Origin, tt.want)
		}
		if v.Expr() != tt.expr {
			t.Errorf("%s: Expr = %q", tt.expr, v.Expr())
		}
	}
}

func TestEvalIssues(t *testing.T) {
	tests := []struct {
		expr string
		code apim.Code
		msg  string
	}{
		{"[parameters('missing')]", apim.Unresolved, `parameter "missing" has no value`},
		{"[frobnicate()]", apim.Unresolved, `unsupported template function "frobnicate"`},
		{"[div(1, 0)]", apim.Malformed, "division by zero"},
		{"[concat('a' 'b')]", apim.Malformed, "malformed expression"},
	}
	for _, tt := range tests {
		_, r := evalIn(t, tt.expr)
		if len(r.issues) != 1 {
			t.Errorf("%s: %d issues, want 1: %v", tt.expr, len(r.issues), r.issues)
			continue
		}
		if is := r.issues[0]; is.Code != tt.code || !strings.Contains(is.Msg, tt.msg) {
			t.Errorf("%s: issue %s %q, want %s containing %q", tt.expr, is.Code, is.Msg, tt.code, tt.msg)
		}
	}
}

// checkEvals evaluates each expression and compares its rendering with
// want; a want starting with "?" asks for an unknown value whose reason
// contains the rest.
func checkEvals(t *testing.T, tests []struct{ expr, want string }) {
	t.Helper()
	for _, tt := range tests {
		v, _ := evalIn(t, tt.expr)
		got := render(v)
		if strings.HasPrefix(tt.want, "?") {
			if !strings.HasPrefix(got, "?") || !strings.Contains(got, tt.want[1:]) {
				t.Errorf("%s = %s, want unknown containing %q", tt.expr, got, tt.want[1:])
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}
