package arm

import "testing"

// TestStringBuilders pins the results of the functions that build their
// strings in one allocation (format(), the resourceId() family) on the
// cases where sizing or segment walking could go wrong.
func TestStringBuilders(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"[format('{0}/backend-00001', 'apim')]", `"apim/backend-00001"`},
		{"[format('a{0}b{1}c{0}', 'x', 'yy')]", `"axbyycx"`},
		{"[format('{{literal}} {0}', 1)]", `"{literal} 1"`},
		{"[format('}}{{')]", `"}{"`},
		{"[format('{0,5}|{1,-4}|', 'ab', 'c')]", `"   ab|c   |"`},
		{"[format('{0:D4}-{1:N1}', 7, 1234.5)]", `"0007-1,234.5"`},
		{"[format('{0} and {1}', true, createArray(1, 2))]", `"True and [1,2]"`},
		{"[format('', 'unused')]", `""`},
		{"[format('no placeholders')]", `"no placeholders"`},
		{"[format('{0}', 'ü€😀')]", `"ü€😀"`},
		{"[format('x}', 1)]", `?unmatched '}' at offset 1`},
		{"[format('x{0', 1)]", `?unclosed '{' at offset 1`},
		{"[format('{1}', 1)]", `?placeholder {1} has no argument (1 given)`},
		{"[resourceId('Microsoft.ApiManagement/service/backends', 'apim/b1')]", `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/Microsoft.ApiManagement/service/apim/backends/b1"`},
		{"[resourceId('Microsoft.ApiManagement/service/apis/operations', 'apim/a1', 'op')]", `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/Microsoft.ApiManagement/service/apim/apis/a1/operations/op"`},
		{"[resourceId('Microsoft.ApiManagement/service/backends', 'apim', 'b1', 'x')]", `?needs 2 name segment(s), got 3`},
		{"[resourceId('Microsoft.ApiManagement/service/backends', 'apim/')]", `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/Microsoft.ApiManagement/service/apim/backends/"`},
		{"[resourceId('Microsoft.ApiManagement/service', '')]", `"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/Microsoft.ApiManagement/service/"`},
		{"[resourceId('a', 'b', 'c', 'Microsoft.X/y', 'n')]", `?too many arguments before the resource type`},
		{"[resourceId('rg', 'noslash')]", `?no resource type (namespace/type) among the arguments`},
		{"[resourceId('Microsoft.X/y', 1)]", `?argument 2 must be a string, got number`},
		{"[resourceId(1, 'Microsoft.X/y', 'n')]", `?argument 1 must be a string, got number`},
		{"[subscriptionResourceId('s1', 'Microsoft.Authorization/roleDefinitions', 'r1')]", `"/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/r1"`},
		{"[tenantResourceId('Microsoft.Management/managementGroups/x', 'mg/y')]", `"/providers/Microsoft.Management/managementGroups/mg/x/y"`},
		{"[tenantResourceId('t', 'Microsoft.Management/managementGroups', 'mg')]", `?too many arguments before the resource type`},
		{"[extensionResourceId('/scope/x//', 'Microsoft.Authorization/locks', 'l1')]", `"/scope/x/providers/Microsoft.Authorization/locks/l1"`},
		{"[extensionResourceId('/scope', 'Microsoft.Authorization/locks', 2)]", `?argument 2 must be a string, got number`},
	}
	checkEvals(t, tests)
}
