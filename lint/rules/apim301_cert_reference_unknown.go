package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// CertReferenceUnknown reports certificate references that resolve to no
// certificate entity.
var CertReferenceUnknown = &lint.Rule{
	ID:       "APIM301",
	Name:     "cert-reference-unknown",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A certificate reference matches no certificate entity",
		Why: "A backend's `credentials.certificateIds`, a thumbprint in `credentials.certificate`, a Service " +
			"Fabric client certificate, or an `authentication-certificate` policy's `certificate-id` or " +
			"`thumbprint` must name a certificate uploaded to the service (`certificates` entity). A dangling " +
			"id fails the deployment; a thumbprint that matches nothing makes the gateway call the backend " +
			"without a client certificate, which a backend requiring mTLS rejects on every request. Ids in " +
			"`.apimlab.yaml` `certificates` count as declared (APIOps extracts no certificates). A thumbprint " +
			"is not reported while some certificate's thumbprint cannot be known offline (APIM315 says why).",
		Fix: "Reference an existing certificate by id (`/certificates/<id>` or its ARM resource id), declare the " +
			"certificate entity, or map its id to a file under `certificates` in .apimlab.yaml.",
		Bad: `"credentials": { "certificateIds": [ "/certificates/orders-client" ] }
// no certificates entity named orders-client`,
		Good: `{ "type": "Microsoft.ApiManagement/service/certificates", "name": "contoso/orders-client", … }
"credentials": { "certificateIds": [ "/certificates/orders-client" ] }`,
		Since: "0.1.0",
	},
	Requires: []lint.Requirement{certmat.Material},
	Check:    checkCertReferenceUnknown,
}

func checkCertReferenceUnknown(pass *lint.Pass) {
	set := certmat.For(pass)
	known := make([]string, 0, len(set.Entries))
	for _, e := range set.Entries {
		known = append(known, e.ID)
	}
	knownText := "none is declared"
	if len(known) > 0 {
		knownText = "declared: " + strings.Join(known, ", ")
	}
	unresolved := unresolvedEntities(pass.Service, "certificates")
	for _, r := range certRefs(pass.Service, servicePolicies(pass)) {
		if !r.ByThumbprint {
			if set.Lookup(r.Value) == nil && !unresolved {
				pass.ReportDanglingf(apim.KindCertificates, r.Pos, r.Subject, "reference an existing certificate id or declare the certificate",
					"%s references certificate %q, which matches no certificate entity (%s)",
					refOwner(r), certmat.IDName(r.Value), knownText)
			}
			continue
		}
		if !r.Effective {
			continue // ignored by Azure next to certificateIds
		}
		if match, unknown := set.ByThumbprint(r.Value); match == nil && len(unknown) == 0 {
			pass.ReportDanglingf(apim.KindCertificates, r.Pos, r.Subject, "reference the certificate by id instead of thumbprint",
				"%s references thumbprint %s, which matches no certificate entity (%s)",
				refOwner(r), certsThumb(r.Value), knownText)
		}
	}
}
