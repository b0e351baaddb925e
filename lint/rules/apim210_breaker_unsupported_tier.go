package rules

import (
	"regexp"
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
	"github.com/apimlab/apimlab/lint"
)

// BreakerUnsupportedTier reports circuit breakers on a service whose tier
// does not support them.
var BreakerUnsupportedTier = &lint.Rule{
	ID:       "APIM210",
	Name:     "breaker-unsupported-tier",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker is configured on the Consumption tier",
		Why: "Learn (\"Backends in API Management\", circuit breaker): \"Currently, the backend circuit " +
			"breaker isn't supported in the Consumption tier of API Management.\" A breaker on a " +
			"Consumption service protects nothing: the backend keeps receiving traffic however often " +
			"it fails. apimlab reads the tier from the `Microsoft.ApiManagement/service` resource's " +
			"`sku.name` in the templates it loads (a literal, or a parameter's default value), or " +
			"from the rule's `sku` option in .apimlab.yaml, which wins; without either the tier is " +
			"unknown and nothing is reported.\n\n" +
			"Options: `sku` (the service tier: Consumption, Developer, Basic, Standard, Premium, " +
			"BasicV2, StandardV2, PremiumV2).",
		Fix: "Move the API to a tier that supports circuit breakers, or remove the breaker and rely on " +
			"retry and timeouts.",
		Bad:   `"sku": { "name": "Consumption", "capacity": 0 }  (and a backend with "circuitBreaker")`,
		Good:  `"sku": { "name": "StandardV2", "capacity": 1 }`,
		Since: "0.2.0",
	},
	Check: checkBreakerUnsupportedTier,
}

func checkBreakerUnsupportedTier(pass *lint.Pass) {
	sku, where := "", ""
	if rc, ok := pass.Config.Rules[pass.Rule.ID]; ok {
		if s, ok := rc.Options["sku"].(string); ok && s != "" {
			sku, where = s, "the sku option in "+configName(pass)
		}
	}
	if sku == "" {
		sku, where = serviceSKU(pass.Service.Sources)
	}
	if !strings.EqualFold(sku, "Consumption") {
		return
	}
	for _, b := range pass.Service.Backends {
		if b.CircuitBreaker == nil || len(b.CircuitBreaker.Rules) == 0 {
			continue
		}
		pos := b.CircuitBreaker.Pos
		if !pos.IsValid() {
			pos = b.Pos
		}
		pass.ReportFixf(pos, backendSubject(b), "use a tier that supports circuit breakers, or drop the breaker",
			"backend %q has a circuit breaker, but the service tier is Consumption (%s): Learn says the backend circuit "+
				"breaker isn't supported in the Consumption tier, so it never trips", b.Name, where)
	}
}

// configName names the configuration file for messages.
func configName(pass *lint.Pass) string {
	if pass.Config.File != "" {
		return pass.Config.File
	}
	return ".apimlab.yaml"
}

// skuParam matches a sku name given by one parameter.
var skuParam = regexp.MustCompile(`^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$`)

// serviceSKU returns the sku.name of the first Microsoft.ApiManagement/service
// resource in the ARM files, and where it was read; "" when none is known.
func serviceSKU(files []string) (sku, where string) {
	ps := paramSources{}
	for _, f := range files {
		if !hasServiceResource(f) {
			continue // no tree to build: found would stay nil
		}
		root := ps.parse(f)
		var found *jsontree.Value
		var walk func(v *jsontree.Value)
		walk = func(v *jsontree.Value) {
			if v == nil || found != nil {
				return
			}
			switch v.Kind {
			case jsontree.Object:
				if strings.EqualFold(v.Get("type").Text(), "Microsoft.ApiManagement/service") && v.Get("sku") != nil {
					found = v
					return
				}
				for _, m := range v.Obj {
					walk(m.Value)
				}
			case jsontree.Array:
				for _, e := range v.Arr {
					walk(e)
				}
			}
		}
		walk(root)
		if found == nil {
			continue
		}
		name := found.Get("sku").Get("name")
		s := strings.TrimSpace(name.Text())
		if m := skuParam.FindStringSubmatch(s); m != nil {
			d := root.Get("parameters").Get(m[1]).Get("defaultValue")
			if d == nil || d.Kind != jsontree.String {
				return "", ""
			}
			return d.Str, "the default of parameter " + m[1] + " at " + d.Position().String()
		}
		if strings.HasPrefix(s, "[") || s == "" {
			return "", ""
		}
		return s, "sku.name at " + name.Position().String()
	}
	return "", ""
}
