package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// UnresolvedValue reports values apimlab could not compute (an ARM
// expression over a parameter without a value, a reference() to deployed
// state) and names the checks that were skipped because of them.
var UnresolvedValue = &lint.Rule{
	ID:       "APIM902",
	Name:     "unresolved-value",
	Severity: lint.Info,
	Doc: lint.Doc{
		Title: "A value could not be resolved; the checks that need it were skipped",
		Why: "apimlab resolves ARM expressions (parameters, variables, concat, format, if, copy " +
			"loops…) but some values only exist at deployment time: a parameter without a default " +
			"or parameters file, `reference()`, `listKeys()`. Rules never guess: a check that needs " +
			"such a value is skipped, and this finding says which, so that a clean run is not " +
			"mistaken for a checked one.",
		Fix: "Pass the deployment's parameters file (`--parameters env.parameters.json`), give the " +
			"parameter a default, or accept the finding (it is informational).",
		Bad: `{
  "parameters": { "ordersUrl": { "type": "string" } },
  "resources": [ {
    "type": "Microsoft.ApiManagement/service/backends",
    "name": "contoso/orders",
    "properties": { "url": "[parameters('ordersUrl')]", "protocol": "http" }
  } ]
}`,
		Good: `{
  "parameters": { "ordersUrl": { "type": "string", "defaultValue": "https://orders.contoso.com" } },
  "resources": [ {
    "type": "Microsoft.ApiManagement/service/backends",
    "name": "contoso/orders",
    "properties": { "url": "[parameters('ordersUrl')]", "protocol": "http" }
  } ]
}`,
		Since: "0.1.0",
	},
	Problems: apim.Unresolved,
	Check:    checkUnresolvedValue,
}

func checkUnresolvedValue(pass *lint.Pass) {
	type key struct {
		file      string
		line, col int
	}
	type fieldOf struct {
		b *apim.Backend
		u unresolvedField
	}
	fields := map[key]fieldOf{}
	var order []key
	// A value of the wrong type is unknown too, but it is malformed input
	// (APIM901 reports it at the value's position), not an unresolved one.
	malformed := map[key]bool{}
	for _, is := range pass.Service.Issues {
		if is != nil && is.Code == apim.Malformed {
			malformed[key{is.Pos.File, is.Pos.Line, is.Pos.Col}] = true
		}
	}
	for _, b := range pass.Service.Backends {
		for _, u := range backendUnresolved(b) {
			k := key{u.pos.File, u.pos.Line, u.pos.Col}
			if malformed[k] {
				continue
			}
			if _, dup := fields[k]; !dup {
				order = append(order, k)
			}
			fields[k] = fieldOf{b, u}
		}
	}
	reported := map[key]bool{}
	for _, is := range pass.Service.Issues {
		if is == nil || is.Code != apim.Unresolved {
			continue
		}
		k := key{is.Pos.File, is.Pos.Line, is.Pos.Col}
		if f, ok := fields[k]; ok {
			// The loader says why; the model says which property it is.
			reported[k] = true
			pass.Reportf(is.Pos, backendSubject(f.b), "%s; backend %q: %s unknown, skipped: %s",
				is.Msg, f.b.Name, f.u.what, depsOrDefault(f.u.key))
			continue
		}
		msg := is.Msg
		if deps := dependentChecks(lastKey(is.Pos.Path)); deps != "" {
			msg += "; skipped: " + deps
		}
		pass.ReportFixf(is.Pos, fileSubject(is.Pos.File), unresolvedFix(is.Kind), "%s", msg)
	}
	for _, k := range order {
		if reported[k] {
			continue
		}
		f := fields[k]
		pass.Reportf(f.u.pos, backendSubject(f.b), "backend %q: %s could not be resolved (%s); skipped: %s",
			f.b.Name, f.u.what, f.u.reason, depsOrDefault(f.u.key))
	}
}

func depsOrDefault(key string) string {
	if deps := dependentChecks(key); deps != "" {
		return deps
	}
	return "checks on this property"
}

// unresolvedField is one backend property whose value is unknown.
type unresolvedField struct {
	what, key, reason string
	pos               apim.Position
}

// backendUnresolved lists the unresolved properties of b. Values from
// secure parameters are left out: not knowing a secret is expected.
func backendUnresolved(b *apim.Backend) []unresolvedField {
	var out []unresolvedField
	add := func(what, key string, unknown string, pos, fallback apim.Position, secure bool) {
		if unknown == "" || secure {
			return
		}
		if !pos.IsValid() {
			pos = fallback
		}
		out = append(out, unresolvedField{what: what, key: key, reason: unknown, pos: pos})
	}
	str := func(what, key string, f apim.Field[string], fb apim.Position) {
		add(what, key, f.Unknown(), f.Pos, fb, f.Secure)
	}
	num := func(what, key string, f apim.Field[int], fb apim.Position) {
		add(what, key, f.Unknown(), f.Pos, fb, f.Secure)
	}
	flag := func(what, key string, f apim.Field[bool], fb apim.Position) {
		add(what, key, f.Unknown(), f.Pos, fb, f.Secure)
	}
	add("type", "type", b.Type.Unknown(), b.Type.Pos, b.Pos, false)
	str("url", "url", b.URL, b.Pos)
	str("protocol", "protocol", b.Protocol, b.Pos)
	if t := b.TLS; t != nil {
		flag("tls.validateCertificateChain", "validateCertificateChain", t.ValidateCertificateChain, t.Pos)
		flag("tls.validateCertificateName", "validateCertificateName", t.ValidateCertificateName, t.Pos)
	}
	if c := b.Credentials; c != nil {
		for _, id := range c.CertificateIDs {
			str("credentials.certificateIds[]", "certificateIds", id, c.Pos)
		}
	}
	if pc := b.PoolConfig; pc != nil {
		for _, m := range pc.Services {
			str("pool member id", "id", m.ID, m.Pos)
			num("pool member priority", "priority", m.Priority, m.Pos)
			num("pool member weight", "weight", m.Weight, m.Pos)
		}
	}
	if cb := b.CircuitBreaker; cb != nil {
		for _, r := range cb.Rules {
			str("circuitBreaker tripDuration", "tripDuration", r.TripDuration.Field, r.Pos)
			flag("circuitBreaker acceptRetryAfter", "acceptRetryAfter", r.AcceptRetryAfter, r.Pos)
			fc := r.FailureCondition
			if fc == nil {
				continue
			}
			num("failureCondition.count", "count", fc.Count, fc.Pos)
			num("failureCondition.percentage", "percentage", fc.Percentage, fc.Pos)
			str("failureCondition.interval", "interval", fc.Interval.Field, fc.Pos)
			for _, sr := range fc.StatusCodeRanges {
				num("statusCodeRanges min", "min", sr.Min, sr.Pos)
				num("statusCodeRanges max", "max", sr.Max, sr.Pos)
			}
		}
	}
	return out
}

// lastKey returns the last property name of a JSON path ("$.a.b[2].c" -> "c").
func lastKey(path string) string {
	path = strings.TrimRight(path, "]0123456789[")
	if i := strings.LastIndexAny(path, ".['\""); i >= 0 {
		path = path[i+1:]
	}
	return strings.Trim(path, "'\"]")
}

// dependentChecks names the rules that need the property key, "" when
// none is known.
func dependentChecks(key string) string {
	switch strings.ToLower(key) {
	case "type":
		return "every backend check (Single or Pool is unknown)"
	case "url":
		return "APIM002 plain-http-backend, APIM003 invalid-backend-url, APIM402 base-url-hardcoded"
	case "protocol":
		return "APIM004 invalid-protocol"
	case "tls", "validatecertificatechain", "validatecertificatename":
		return "APIM001 tls-validation-disabled"
	case "services", "id":
		return "pool membership checks (APIM101 pool-member-unknown, APIM102 pool-nested, APIM108 pool-duplicate-member)"
	case "priority", "weight":
		return "pool distribution checks (APIM105, APIM106, APIM107, APIM109)"
	case "count", "percentage", "interval", "tripduration", "failurecondition":
		return "circuit breaker checks (APIM201 breaker-invalid, APIM203 breaker-twitchy, APIM204 breaker-sluggish)"
	case "min", "max", "statuscoderanges":
		return "status range checks (APIM201, APIM205 breaker-counts-client-errors, APIM207)"
	case "acceptretryafter":
		return "APIM207 breaker-retry-after-unbounded"
	case "certificateids", "certificate":
		return "certificate checks (APIM3xx)"
	case "header", "query", "authorization", "parameter":
		return "APIM501 secret-inline"
	case "value", "policy", "policies":
		return "policy checks (APIM4xx)"
	case "name":
		return "every check on the resource (it was skipped)"
	}
	return ""
}

// unresolvedFix is the hint for one unresolved value: passing a
// parameters file helps only when a parameter has no value.
func unresolvedFix(k apim.IssueKind) string {
	switch k {
	case apim.IssueKeyVault:
		return "the parameters file takes this value from Key Vault at deploy time; nothing to pass offline (informational)"
	case apim.IssueNeedsDeployment:
		return "reference() and list*() read deployed resources; nothing to pass offline (informational)"
	case apim.IssueNoValue:
		return "pass the deployment's parameters file (--parameters) or give the parameter a default"
	}
	return ""
}
