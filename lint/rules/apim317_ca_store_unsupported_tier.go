package rules

import (
	"strconv"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// CAStoreUnsupported reports the service's CA certificates
// (properties.certificates) on a v2 or Consumption service, where Learn
// documents no use for them.
var CAStoreUnsupported = &lint.Rule{
	ID:       "APIM317",
	Name:     "ca-store-unsupported-tier",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "The service's CA certificates are set on a v2 or Consumption service",
		Why: "The service's CA certificates (`properties.certificates[]` of the " +
			"`Microsoft.ApiManagement/service` resource, storeName `Root` or `CertificateAuthority`) are " +
			"how the classic tiers trust a custom CA. Learn does not document them for the other tiers:\n\n" +
			"- \"Add a custom CA certificate in Azure API Management\" (2026) applies to \"Developer | Basic " +
			"| Standard | Premium\" and says: \"If your API Management instance is in one of the v2 tiers, " +
			"you can only configure details of CA certificates in the authorization credentials of a " +
			"backend.\"\n" +
			"- \"Azure API Management v2 tiers\" (2025–2026) lists, under features replaced in v2, \"CA " +
			"certificates managed in the global certificate list\", replaced by \"CA certificates referenced " +
			"in backend entity\".\n" +
			"- \"API gateway in Azure API Management\" (feature comparison, 2025) gives \"CA root certificates " +
			"for certificate validation\" to the classic gateway, to the v2 gateway only as \"Configure CA " +
			"certificate details for backend certificate authentication in backend settings\", and not to " +
			"the Consumption gateway.\n\n" +
			"So on BasicV2, StandardV2, PremiumV2 or Consumption these entries cannot be counted on to make " +
			"any backend's certificate trusted. Learn does not say whether Azure rejects the property on those " +
			"tiers or stores it unused. One finding per service, at its first entry. The tier is `lint " +
			"--sku`, else `sku` in .apimlab.yaml, else the service resource's `sku.name` (none when the " +
			"inputs declare the service with different tiers); without any the " +
			"tier is unknown and nothing is reported (the Isolated tier, which Learn's page does not " +
			"name, is not reported either).",
		Fix: "On a v2 tier, reference the CA in the CA certificate details of each backend that needs it " +
			"(`tls.serverCertificateThumbprints`, or `tls.serverX509Names` with the CA's subject name and " +
			"issuer thumbprint) and remove `properties.certificates`; on Consumption, give the backend a " +
			"certificate from a publicly trusted CA, or move to a tier that supports custom CAs.",
		Bad: `"sku": { "name": "StandardV2", "capacity": 1 },
"properties": { "certificates": [ { "encodedCertificate": "MIID…", "storeName": "Root" } ] }`,
		Good: `"sku": { "name": "StandardV2", "capacity": 1 }   (no properties.certificates; each backend
that needs the CA: "tls": { "serverCertificateThumbprints": [ "A1B2…5678" ] })`,
		Since: "0.2.0",
	},
	Check: checkCAStoreUnsupported,
}

func checkCAStoreUnsupported(pass *lint.Pass) {
	tier, where, ok := serviceTier(pass)
	if !ok || !(tier.V2() || tier == apim.Consumption) {
		return
	}
	svc := pass.Service
	n := 0
	var pos apim.Position
	for _, ca := range svc.CAStore {
		if ca == nil {
			continue
		}
		if n == 0 {
			pos = ca.Pos
		}
		n++
	}
	if n == 0 {
		return
	}
	if !pos.IsValid() {
		pos = svc.Pos
	}
	entries := "1 CA certificate"
	if n > 1 {
		entries = strconv.Itoa(n) + " CA certificates"
	}
	subj := lint.Subject{Kind: "service", Name: svc.Name}
	if tier.V2() {
		pass.ReportFixf(pos, subj, privateCAFix(tier, true)+", and remove properties.certificates",
			"the service's properties.certificates holds %s, but the service tier is %s (%s): Learn says that in the v2 tiers "+
				"CA certificate details can only be configured in the authorization credentials of a backend, not in the service's CA certificates",
			entries, tier, where)
		return
	}
	pass.ReportFixf(pos, subj, privateCAFix(tier, true),
		"the service's properties.certificates holds %s, but the service tier is Consumption (%s): Learn documents the service's CA "+
			"certificates for Developer, Basic, Standard and Premium only, and lists CA root certificates for certificate validation as "+
			"unavailable in the Consumption gateway",
		entries, where)
}
