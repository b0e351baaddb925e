package arm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/internal/gen"
)

// bigTemplate builds a hand-written-style template with n backends, each
// with its own expressions, like a large exported APIM configuration.
func bigTemplate(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0",
"parameters": {"apimName": {"type": "string", "defaultValue": "apim"}, "breakerInterval": {"type": "string", "defaultValue": "PT1M"}},
"variables": {"hostSuffix": ".backend.example.com", "tls": {"validateCertificateChain": true, "validateCertificateName": true}},
"resources": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-06-01-preview",
 "name": "[concat(parameters('apimName'), '/backend-%05d')]",
 "dependsOn": ["[resourceId('Microsoft.ApiManagement/service', parameters('apimName'))]"],
 "properties": {
  "description": "Backend number %d of the generated benchmark configuration, with a long description to pad the file size realistically.",
  "url": "[format('https://svc-{0}{1}/api/v1', %d, variables('hostSuffix'))]",
  "protocol": "http",
  "tls": "[variables('tls')]",
  "credentials": {"header": {"x-backend-key": ["{{backend-key-%d}}"]}, "query": {}, "certificateIds": []},
  "circuitBreaker": {"rules": [{"name": "breaker-%d", "failureCondition": {"count": 5, "interval": "[parameters('breakerInterval')]",
    "statusCodeRanges": [{"min": 500, "max": 599}, {"min": 429, "max": 429}], "errorReasons": ["Server errors", "Timeouts"]},
    "tripDuration": "PT1M", "acceptRetryAfter": true}]},
  "properties": {"serviceFabricCluster": null},
  "title": "backend %d", "resourceId": "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Web/sites/app-%d"
 }}`, i, i, i, i, i, i, i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func BenchmarkResolve10kBackends(b *testing.B) {
	data := bigTemplate(10000)
	root, err := jsontree.Parse("big.json", data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res := Resolve("big.json", root, nil)
		if len(res.Resources) != 10000 || len(res.Issues) != 0 {
			b.Fatalf("%d resources, issues %v", len(res.Resources), res.Issues)
		}
	}
}

func TestResolveBigTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("large template")
	}
	root, err := jsontree.Parse("big.json", bigTemplate(2000))
	if err != nil {
		t.Fatal(err)
	}
	res := Resolve("big.json", root, nil)
	if len(res.Resources) != 2000 || len(res.Issues) != 0 {
		t.Fatalf("%d resources, %d issues", len(res.Resources), len(res.Issues))
	}
	last := res.Resources[1999]
	if last.Name != "apim/backend-01999" || prop(last, "properties", "url") != `"https://svc-1999.backend.example.com/api/v1"` {
		t.Errorf("last backend: %s %s", last.Name, prop(last, "properties", "url"))
	}
}

// BenchmarkResolveParallel resolves generated templates of 10,000 and
// 40,000 backends (internal/gen, as issue 16's sweep) on one goroutine
// ("sequential") and on every core ("parallel", resolveParallel).
//
//	go test -run '^$' -bench ResolveParallel -benchmem -benchtime 10x ./apim/arm
func BenchmarkResolveParallel(b *testing.B) {
	for _, n := range []int{10000, 40000} {
		root, err := jsontree.Parse("gen.json", gen.ARM(n, n/10))
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"sequential", "parallel"} {
			b.Run(fmt.Sprintf("backends=%d/%s", n, mode), func(b *testing.B) {
				old := parallelMin
				defer func() { parallelMin = old }()
				if mode == "sequential" {
					parallelMin = 1 << 30
				}
				b.ReportAllocs()
				for b.Loop() {
					if res := Resolve("gen.json", root, nil); len(res.Resources) < n {
						b.Fatalf("%d resources", len(res.Resources))
					}
				}
			})
		}
	}
}
