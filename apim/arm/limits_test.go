package arm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// TestResolveDeepChains checks that long chains of variables, parameter
// defaults and deployment outputs end in an APIM901 issue, not a stack
// overflow.
func TestResolveDeepChains(t *testing.T) {
	const n = 3000
	var vars, params, deps []string
	for i := range n {
		vars = append(vars, fmt.Sprintf(`"v%d": "[variables('v%d')]"`, i, i+1))
		params = append(params, fmt.Sprintf(`"p%d": {"type": "string", "defaultValue": "[parameters('p%d')]"}`, i, i+1))
	}
	vars = append(vars, fmt.Sprintf(`"v%d": "end"`, n))
	params = append(params, fmt.Sprintf(`"p%d": {"type": "string", "defaultValue": "end"}`, n))
	for i := range 400 {
		deps = append(deps, fmt.Sprintf(`{"type": "Microsoft.Resources/deployments", "name": "d%d", "properties": {
		  "expressionEvaluationOptions": {"scope": "inner"},
		  "parameters": {"x": {"value": "[reference('d%d').outputs.o.value]"}},
		  "template": {"parameters": {"x": {"type": "string"}}, "resources": [], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}}}`, i, i+1))
	}
	src := fmt.Sprintf(`{"contentVersion": "1.0.0.0", "parameters": {%s}, "variables": {%s}, "resources": [
	  {"type": "a/b", "name": "[variables('v0')]", "properties": {"p": "[parameters('p0')]"}}, %s]}`,
		strings.Join(params, ","), strings.Join(vars, ","), strings.Join(deps, ","))
	root, err := jsontree.Parse("t.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("t.json", root, nil)
	var msgs []string
	for _, is := range res.Issues {
		msgs = append(msgs, is.Code.String()+" "+is.Msg)
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{
		"malformed variables(): variables nested deeper than",
		"malformed parameters(): parameter defaults nested deeper than",
		"malformed deployment outputs nested deeper than",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing issue %q in:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "internal error") {
		t.Errorf("resolution panicked:\n%s", joined)
	}
}
