// Package gen generates synthetic API Management configurations for
// benchmarks and load tests: deterministic, valid ARM templates of any size.
package gen

import (
	"fmt"
	"strings"
)

// poolEvery makes every poolEvery-th backend a pool over the poolSize
// Single backends declared just before it.
const (
	poolEvery = 10
	poolSize  = 3
)

// ARM returns an ARM template with the given number of backends and APIs.
// Backends are Singles with a circuit breaker, except every tenth, which is
// a Pool (priority and weight) over the three Singles before it. Each API
// has a policy that routes to a pool with set-backend-service and retries
// forward-request. The output is deterministic.
func ARM(backends, apis int) []byte {
	var b strings.Builder
	b.Grow(backends*700 + apis*900 + 512)
	b.WriteString(`{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "serviceName": { "type": "string", "defaultValue": "apimlab-bench" }
  },
  "resources": [`)
	first := true
	sep := func() {
		if !first {
			b.WriteString(",")
		}
		first = false
	}
	var pools []string
	for i := 1; i <= backends; i++ {
		sep()
		if i%poolEvery == 0 && i > poolSize {
			name := fmt.Sprintf("pool-%05d", i)
			pools = append(pools, name)
			fmt.Fprintf(&b, `
    {
      "type": "Microsoft.ApiManagement/service/backends",
      "apiVersion": "2024-05-01",
      "name": "[format('{0}/%s', parameters('serviceName'))]",
      "properties": {
        "type": "Pool",
        "description": "pool over the three backends before it",
        "pool": {
          "services": [`, name)
			for k := poolSize; k >= 1; k-- {
				prio, weight := 1, 50
				if k == 1 {
					prio, weight = 2, 100
				}
				comma := ","
				if k == 1 {
					comma = ""
				}
				fmt.Fprintf(&b, `
            { "id": "[resourceId('Microsoft.ApiManagement/service/backends', parameters('serviceName'), '%s')]", "priority": %d, "weight": %d }%s`,
					singleName(i-k), prio, weight, comma)
			}
			b.WriteString(`
          ]
        }
      }
    }`)
			continue
		}
		fmt.Fprintf(&b, `
    {
      "type": "Microsoft.ApiManagement/service/backends",
      "apiVersion": "2024-05-01",
      "name": "[format('{0}/%s', parameters('serviceName'))]",
      "properties": {
        "url": "https://backend-%05d.example.com/api",
        "protocol": "http",
        "tls": { "validateCertificateChain": true, "validateCertificateName": true },
        "circuitBreaker": {
          "rules": [ {
            "name": "server-errors",
            "failureCondition": {
              "count": %d,
              "interval": "PT1M",
              "statusCodeRanges": [ { "min": 500, "max": 599 } ],
              "errorReasons": [ "timeout" ]
            },
            "tripDuration": "PT1M",
            "acceptRetryAfter": true
          } ]
        }
      }
    }`, singleName(i), i, 50+i%50)
	}
	for i := 1; i <= apis; i++ {
		target := singleName(1)
		if len(pools) > 0 {
			target = pools[i%len(pools)]
		}
		sep()
		fmt.Fprintf(&b, `
    {
      "type": "Microsoft.ApiManagement/service/apis",
      "apiVersion": "2024-05-01",
      "name": "[format('{0}/api-%05d', parameters('serviceName'))]",
      "properties": { "displayName": "API %d", "path": "api-%05d", "protocols": [ "https" ] }
    },
    {
      "type": "Microsoft.ApiManagement/service/apis/policies",
      "apiVersion": "2024-05-01",
      "name": "[format('{0}/api-%05d/policy', parameters('serviceName'))]",
      "properties": {
        "format": "rawxml",
        "value": "<policies>\n  <inbound>\n    <base />\n    <set-backend-service backend-id=\"%s\" />\n    <set-header name=\"x-api\" exists-action=\"override\">\n      <value>api-%05d</value>\n    </set-header>\n  </inbound>\n  <backend>\n    <retry condition=\"@(context.Response.StatusCode == 503)\" count=\"2\" interval=\"1\" first-fast-retry=\"false\">\n      <forward-request buffer-request-body=\"true\" timeout=\"60\" />\n    </retry>\n  </backend>\n  <outbound>\n    <base />\n  </outbound>\n  <on-error>\n    <base />\n  </on-error>\n</policies>"
      }
    }`, i, i, i, i, target, i)
	}
	b.WriteString("\n  ]\n}\n")
	return []byte(b.String())
}

func singleName(i int) string { return fmt.Sprintf("backend-%05d", i) }
