package rules

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// serviceTier returns the tier the tier-aware rules check against and
// where it was read, for messages: `lint --sku`, then .apimlab.yaml's
// `sku`, then the rule's legacy `sku` option (APIM210), then the service
// resource's sku.name. ok is false when none names a known tier.
func serviceTier(pass *lint.Pass) (t apim.Tier, where string, ok bool) {
	if c := pass.Config; c != nil && c.SKU != "" {
		if c.SKUPos.IsValid() {
			return c.SKU, "sku at " + c.SKUPos.String(), true
		}
		return c.SKU, "--sku", true
	}
	if rc, found := pass.Config.Rules[pass.Rule.ID]; found {
		if s, isStr := rc.Options["sku"].(string); isStr && s != "" {
			if t, ok := apim.ParseTier(s); ok {
				return t, "the sku option in " + configName(pass), true
			}
		}
	}
	if t, ok := pass.Service.Tier(); ok {
		sku := pass.Service.SKU
		where := "sku.name at " + sku.Name.Pos.String()
		if !sku.Name.Literal && sku.Name.Expr != "" {
			where += " (" + sku.Name.Expr + ")"
		}
		return t, where, true
	}
	return "", "", false
}

// configName names the configuration file for messages.
func configName(pass *lint.Pass) string {
	if pass.Config.File != "" {
		return pass.Config.File
	}
	return ".apimlab.yaml"
}
