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
		if !sku.Name.Literal && sku.Name.Expr() != "" {
			where += " (" + sku.Name.Expr() + ")"
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

// caStoreTier reports whether Learn documents the service's CA
// certificates (properties.certificates) for tier t: "Add a custom CA
// certificate in Azure API Management" applies to "Developer | Basic |
// Standard | Premium".
func caStoreTier(t apim.Tier) bool {
	return t == apim.Developer || t == apim.Basic || t == apim.Standard || t == apim.Premium
}

// privateCAFix says how a service of tier t (ok false: unknown) can trust
// a backend certificate issued by a private CA, as Learn documents it: the
// service's CA certificates in the classic tiers, the backend's CA
// certificate details in the v2 tiers ("Backends in API Management":
// "Currently, you can only configure CA certificate details in a backend
// entity in the v2 tiers"), neither in Consumption.
func privateCAFix(t apim.Tier, ok bool) string {
	switch {
	case ok && t.V2():
		return "reference the private CA in the backend's CA certificate details (tls.serverCertificateThumbprints or tls.serverX509Names)"
	case ok && caStoreTier(t):
		return "upload the private CA to the service's CA certificates (properties.certificates[], storeName Root; intermediates CertificateAuthority)"
	case ok && t == apim.Consumption:
		return "give the backend a certificate from a publicly trusted CA: Learn documents neither the service's CA certificates nor backend CA details for Consumption"
	}
	return "trust a private CA through the service's CA certificates (classic tiers) or the backend's CA certificate details (tls.serverCertificateThumbprints/serverX509Names, v2 tiers)"
}

// backendCAFix is privateCAFix for backend b: a backend in a workspace
// cannot use the service's CA certificates (Learn, "Workspaces in Azure
// API Management", constraints: "Workspaces don't support CA
// certificates"; "Add a custom CA certificate": "Currently, this feature
// isn't available in workspaces"), so on a classic or unknown tier its
// hint does not send it there.
func backendCAFix(t apim.Tier, ok bool, b *apim.Backend) string {
	if b == nil || b.Workspace == "" || ok && (t.V2() || t == apim.Consumption) {
		return privateCAFix(t, ok)
	}
	if ok {
		return "give the backend a certificate from a publicly trusted CA: Learn says workspaces don't support the service's CA " +
			"certificates and documents the backend's CA certificate details for the v2 tiers only"
	}
	return "reference the private CA in the backend's CA certificate details (tls.serverCertificateThumbprints or " +
		"tls.serverX509Names, v2 tiers): Learn says workspaces don't support the service's CA certificates"
}
