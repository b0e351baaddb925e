package rules

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// TLSValidationDisabled reports backends that turn off validation of the
// backend's server certificate chain or name.
var TLSValidationDisabled = &lint.Rule{
	ID:       "APIM001",
	Name:     "tls-validation-disabled",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "Backend TLS certificate validation is turned off",
		Why: "With `tls.validateCertificateChain: false` the gateway accepts any server certificate " +
			"(self-signed, expired, issued by an unknown CA); with `validateCertificateName: false` it " +
			"accepts a valid certificate issued for another host. Either way anyone who can intercept " +
			"the traffic between the gateway and the backend can read and change it, including the " +
			"credentials the gateway adds. Property names are matched case-insensitively, as Azure " +
			"does, so `validateCertificatename: false` counts too. A backend whose URL is `http://` " +
			"makes no TLS connection, so its flags change nothing: APIM002 reports the plain URL and " +
			"this rule stays silent rather than report the same backend twice.",
		Fix: "Remove the property or set it to true. If the backend uses a private CA, upload the CA " +
			"certificate to the service CA store (`properties.certificates[]` with `storeName: Root`) " +
			"or, in the v2 tiers, reference it in the backend's CA certificate details " +
			"(`tls.serverCertificateThumbprints` or `tls.serverX509Names`) instead of disabling " +
			"validation; if the name does not match, call the backend by a name its certificate covers. " +
			"When a backend has CA certificate details, Microsoft Learn (\"Backends in API Management\", " +
			"Configure CA certificate) says API Management \"always validates the certificate name and " +
			"certificate chain, regardless of whether you enable or disable validation settings\": a " +
			"false flag there has no effect and is reported at info severity only, as dead configuration. " +
			"That page also says CA certificate details can currently be configured only in the v2 tiers: " +
			"when the service's tier is known (`lint --sku`, `sku` in .apimlab.yaml, the service " +
			"resource's `sku.name`) and is not a v2 tier, the details are not counted on (APIM316 reports " +
			"them) and a false flag next to them is an error like any other. The fix hint names the way to " +
			"trust a private CA that Learn documents for the tier (for a backend in a workspace, never the " +
			"service's CA certificates: Learn says workspaces don't support CA certificates).",
		Bad: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": {
    "url": "https://orders.internal.contoso.com",
    "protocol": "http",
    "tls": { "validateCertificateChain": false, "validateCertificateName": false }
  }
}`,
		Good: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": {
    "url": "https://orders.internal.contoso.com",
    "protocol": "http",
    "tls": { "validateCertificateChain": true, "validateCertificateName": true }
  }
}`,
		Since: "0.1.0",
	},
	Check: checkTLSValidationDisabled,
}

func checkTLSValidationDisabled(pass *lint.Pass) {
	tier, _, tierKnown := serviceTier(pass)
	// Learn documents backend CA certificate details for the v2 tiers
	// only: on another known tier they do not make the flags dead.
	caDetailsApply := !tierKnown || tier.V2()
	for _, b := range pass.Service.Backends {
		if b.TLS == nil || plainHTTP(b) {
			continue // over http:// there is no TLS to validate: APIM002 reports the URL
		}
		// With CA certificate details APIM validates name and chain
		// whatever the flags say (Learn, Backends in API Management).
		pinned := caDetailsApply && (len(b.TLS.ServerCertificateThumbprints) > 0 || len(b.TLS.ServerX509Names) > 0)
		report := func(f apim.Field[bool], canonical, what string) {
			if !f.Known() || f.Value {
				return
			}
			if pinned {
				pass.Report(lint.Finding{
					Rule: pass.Rule.ID, Name: pass.Rule.Name, Severity: lint.Info,
					Pos: f.At(b.TLS.Pos), Subject: backendSubject(b),
					Fix: "remove tls." + canonical + ": it has no effect next to CA certificate details",
					Message: fmt.Sprintf("backend %q: tls.%s is false%s but has no effect: the backend has CA certificate details "+
						"(serverCertificateThumbprints/serverX509Names), with which API Management always validates the certificate name and chain",
						b.Name, canonical, spelledAs(f.Key(), canonical)),
				})
				return
			}
			pass.ReportFixf(f.At(b.TLS.Pos), backendSubject(b),
				"remove tls."+canonical+" or set it to true; to accept a private CA, "+backendCAFix(tier, tierKnown, b),
				"backend %q: tls.%s is false%s: the gateway %s",
				b.Name, canonical, spelledAs(f.Key(), canonical), what)
		}
		report(b.TLS.ValidateCertificateChain, "validateCertificateChain",
			"accepts any server certificate chain (self-signed, expired or from an unknown CA)")
		report(b.TLS.ValidateCertificateName, "validateCertificateName",
			"accepts a certificate issued for another host name")
	}
}

// plainHTTP reports whether b's URL is known and uses the http scheme.
func plainHTTP(b *apim.Backend) bool {
	if !b.URL.Known() || !mayBeHTTP(b.URL.Value) {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(b.URL.Value))
	return err == nil && strings.EqualFold(u.Scheme, "http")
}
