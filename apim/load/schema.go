package load

import (
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// shape is the set of properties an object may carry, from the ARM schema of
// Microsoft.ApiManagement (2021-08-01 … 2025-09-01-preview). A nil shape
// accepts anything (free-form maps such as credentials.header).
type shape map[string]shape

// any is used for free-form values.
var free shape

func leaf(names ...string) shape {
	s := shape{}
	for _, n := range names {
		s[n] = free
	}
	return s
}

func with(s shape, more shape) shape {
	out := shape{}
	for k, v := range s {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

var x509Shape = leaf("name", "issuerCertificateThumbprint")

var backendShape = shape{
	"title": free, "description": free, "url": free, "protocol": free, "resourceId": free,
	"azureRegion": free, "type": free,
	"tls": with(leaf("validateCertificateChain", "validateCertificateName", "serverCertificateThumbprints"),
		shape{"serverX509Names": x509Shape}),
	"credentials": with(leaf("certificateIds", "certificate", "header", "query"), shape{
		"authorization":   leaf("scheme", "parameter"),
		"managedIdentity": leaf("clientId", "resource"),
	}),
	"proxy": leaf("url", "username", "password"),
	"properties": shape{"serviceFabricCluster": with(leaf("clientCertificateId", "clientCertificatethumbprint",
		"managementEndpoints", "maxPartitionResolutionRetries", "serverCertificateThumbprints"),
		shape{"serverX509Names": x509Shape})},
	"circuitBreaker": shape{"rules": shape{
		"name": free, "tripDuration": free, "acceptRetryAfter": free,
		"failureCondition": with(leaf("count", "percentage", "interval", "errorReasons"),
			shape{"statusCodeRanges": leaf("min", "max")}),
		"failureResponse": leaf("statusCode"),
	}},
	"pool": shape{
		"services":        leaf("id", "priority", "weight", "preferredCarbonEmission"),
		"failureResponse": leaf("statusCode"),
		"sessionAffinity": shape{"sessionId": leaf("name", "source")},
	},
	// Read-only properties that REST/az output carries.
	"provisioningState": free,
}

// misplaced explains unknown properties that belong to another resource
// type, keyed by their path. `configuration.subnet` is the backend
// configuration of a gateway (ApiManagementGatewayProperties.backend, type
// BackendConfiguration, in the ARM schemas 2024-05-01 and
// 2025-09-01-preview); no schema of service/backends declares it.
var misplaced = map[string]string{
	"properties.configuration": "configuration.subnet is a gateway's backend setting (Microsoft.ApiManagement/gateways " +
		"properties.backend.subnet.id), not a backend property: no schema of Microsoft.ApiManagement/service/backends " +
		"declares it, so it does not put the backend's traffic in that subnet",
}

// checkShape reports members of obj that s does not know (APIM903), with a
// did-you-mean, and members spelled with non-canonical case. Arrays of
// objects are checked element by element against the same shape.
func (d *decoder) checkShape(obj *jsontree.Value, s shape, root string) {
	// Room for the deepest shape: appending a level then writes in place
	// instead of copying the path once per nested object (five times per
	// backend with a circuit breaker; issue 16). Siblings overwrite the
	// same slot, which is safe since a level's path is only read while
	// that level is walked.
	path := make([]string, 1, 8)
	path[0] = root
	d.shapeAt(obj, s, path)
}

// shapeAt walks obj against s; path holds the property names down to obj
// and is only joined into a string when something is reported.
func (d *decoder) shapeAt(obj *jsontree.Value, s shape, path []string) {
	if obj == nil || s == nil {
		return
	}
	switch obj.Kind {
	case jsontree.Array:
		for _, e := range obj.Elems() {
			d.shapeAt(e, s, path)
		}
		return
	case jsontree.Object:
	default:
		return
	}
	for _, m := range obj.Members() {
		sub, ok := s[m.Key]
		if ok {
			if sub != nil {
				d.shapeAt(m.Value, sub, append(path, m.Key))
			}
			continue
		}
		where := strings.Join(path, ".")
		canon := ""
		for k := range s {
			if strings.EqualFold(k, m.Key) {
				canon = k
				break
			}
		}
		if canon != "" {
			d.issue(m.KeyPos.Position(), apim.UnknownProperty, "%s.%s is spelled %q; the schema spells it %q (Azure matches it case-insensitively, other tools may not)",
				where, canon, m.Key, canon)
			if s[canon] != nil {
				d.shapeAt(m.Value, s[canon], append(path, canon))
			}
			continue
		}
		msg := "unknown property " + where + "." + m.Key
		if note := misplaced[where+"."+m.Key]; note != "" {
			msg += ": " + note
		} else if sug := suggest(m.Key, s); sug != "" {
			msg += ` (did you mean "` + sug + `"?)`
		}
		d.issue(m.KeyPos.Position(), apim.UnknownProperty, "%s", msg)
	}
}

func suggest(name string, s shape) string {
	best, bestD := "", 4
	lname := strings.ToLower(name)
	for k := range s {
		if dist := levenshtein.ComputeDistance(lname, strings.ToLower(k)); dist < bestD || dist == bestD && k < best {
			best, bestD = k, dist
		}
	}
	if bestD > len(name)/3+1 {
		return ""
	}
	return best
}
