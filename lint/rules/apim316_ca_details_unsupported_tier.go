package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// CADetailsUnsupported reports backends with CA certificate details
// (tls.serverCertificateThumbprints, tls.serverX509Names) on a service
// whose tier is not one of the v2 tiers.
var CADetailsUnsupported = &lint.Rule{
	ID:       "APIM316",
	Name:     "ca-details-unsupported-tier",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A backend has CA certificate details, but the service is not in a v2 tier",
		Why: "A backend's CA certificate details (`tls.serverCertificateThumbprints`, `tls.serverX509Names`: " +
			"the CA by thumbprint, or by subject name and issuer thumbprint) tell the gateway which custom CA " +
			"to trust for the backend's server certificate. Learn (\"Backends in API Management\", Configure " +
			"CA certificate, 2025–2026): \"Currently, you can only configure CA certificate details in a " +
			"backend entity in the v2 tiers.\" On Consumption, Developer, Basic, Standard, Premium or " +
			"Isolated the details are outside what Learn documents: they cannot be counted on to make the " +
			"backend's certificate trusted, and Learn's guarantee that with them API Management \"always " +
			"validates the certificate name and certificate chain\" whatever the validation flags say is " +
			"part of the same v2-only feature (APIM001 therefore reports false flags next to them as " +
			"errors on those tiers, not as dead configuration). Learn does not say whether Azure rejects " +
			"the properties there or stores them unused. The classic tiers trust a custom CA through the " +
			"service's CA certificates instead (\"Add a custom CA certificate in Azure API Management\", " +
			"which applies to Developer, Basic, Standard and Premium). The `serverCertificateThumbprints` " +
			"and `serverX509Names` of a Service Fabric backend (`properties.serviceFabricCluster`) are the " +
			"cluster's server certificate, not CA details, and are not reported.\n\n" +
			"The tier is `lint --sku`, else `sku` in .apimlab.yaml, else the `sku.name` of the " +
			"`Microsoft.ApiManagement/service` resource in the inputs (when the inputs declare the service " +
			"more than once with different tiers, as two resources whose conditions depend on a parameter " +
			"without a value, none); without any the tier is unknown and nothing is reported.",
		Fix: "On Developer, Basic, Standard or Premium, upload the CA to the service's CA certificates " +
			"(`properties.certificates[]`: the root with `storeName: Root`, intermediates with " +
			"`CertificateAuthority`) and remove the backend's CA details; on Consumption, which has " +
			"neither, give the backend a certificate from a publicly trusted CA; or move the service to a " +
			"v2 tier, where the backend's CA details are the way to trust a custom CA. A backend in a " +
			"workspace cannot use the service's CA certificates (Learn, \"Workspaces in Azure API " +
			"Management\": \"Workspaces don't support CA certificates\"): on a classic tier, give it a " +
			"certificate from a publicly trusted CA or move to a v2 tier.",
		Bad: `"sku": { "name": "Premium", "capacity": 1 }   (service)
"tls": { "serverX509Names": [ { "name": "Contoso Issuing CA",
         "issuerCertificateThumbprint": "0123…4567" } ] }   (backend)`,
		Good: `"sku": { "name": "StandardV2", "capacity": 1 }   (service; the backend's tls as above)

or, on Premium: "certificates": [ { "encodedCertificate": "MIID…", "storeName": "Root" } ]
in the service's properties, and no CA details in the backend's tls`,
		Since: "0.2.0",
	},
	Check: checkCADetailsUnsupported,
}

func checkCADetailsUnsupported(pass *lint.Pass) {
	tier, where, ok := serviceTier(pass)
	if !ok || tier.V2() {
		return
	}
	for _, b := range pass.Service.Backends {
		t := b.TLS
		if t == nil {
			continue
		}
		var props []string
		pos := apim.Position{}
		if len(t.ServerCertificateThumbprints) > 0 {
			props = append(props, "tls.serverCertificateThumbprints")
			pos = t.ServerCertificateThumbprints[0].Pos
		}
		if len(t.ServerX509Names) > 0 {
			props = append(props, "tls.serverX509Names")
			if !pos.IsValid() {
				pos = t.ServerX509Names[0].Pos
			}
		}
		if len(props) == 0 {
			continue
		}
		if !pos.IsValid() {
			pos = t.Pos
		}
		if !pos.IsValid() {
			pos = b.Pos
		}
		pass.ReportFixf(pos, backendSubject(b), backendCAFix(tier, true, b)+", or use a v2 tier",
			"backend %q sets CA certificate details (%s), but the service tier is %s (%s): Learn says CA certificate "+
				"details can currently be configured in a backend entity only in the v2 tiers",
			b.Name, strings.Join(props, ", "), tier, where)
	}
}
