package rules

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint/linttest"
	"software.sslmate.com/src/go-pkcs12"
)

const kvBase = "https://contoso-kv.vault.azure.net"

// genCertFixtures builds the bad and good archive of every APIM3xx rule.
func genCertFixtures(t *testing.T) []certFixture {
	t.Helper()
	pki, err := certs.NewPKI(certs.InitOptions{Now: linttest.Now, Hosts: []string{"orders.contoso.com"}, Password: fixturePassword})
	if err != nil {
		t.Fatal(err)
	}
	pw := fixturePassword
	ids := func(names ...string) string {
		s := `{ "certificateIds": [`
		for i, n := range names {
			if i > 0 {
				s += ", "
			}
			s += fmt.Sprintf("%q", "/certificates/"+n)
		}
		return s + "] }"
	}
	var out []certFixture
	add := func(rule, name string, b *fxb) {
		out = append(out, certFixture{rule: rule, name: name, ar: b.archive(t)})
	}

	// APIM301
	add("APIM301", "bad", newFx("References to certificates that do not exist: an id, a thumbprint, and a policy certificate-id.").
		withPFXPassword(pw).
		res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		res(backendRes("orders", "https://orders.contoso.com", ids("orders-cert"))).
		res(backendRes("billing", "https://billing.contoso.com", `{ "certificate": [ "00112233445566778899AABBCCDDEEFF00112233" ] }`)).
		file("policy.xml", []byte("<policies>\n  <inbound>\n    <base />\n    <!-- want \"APIM301: certificate \\\"partner-cert\\\", which matches no certificate entity\" -->\n    <authentication-certificate certificate-id=\"partner-cert\" />\n  </inbound>\n  <backend><base /></backend>\n  <outbound><base /></outbound>\n  <on-error><base /></on-error>\n</policies>\n")).
		done(func(b *fxb, tm string) {
			b.args = []string{"policy.xml"}
			b.wantAt("template.json", tm, `"/certificates/orders-cert"`, 0, "APIM301", `backend "orders": credentials.certificateIds references certificate "orders-cert", which matches no certificate entity \(declared: orders-client\)`)
			b.wantAt("template.json", tm, `"00112233445566778899AABBCCDDEEFF00112233"`, 0, "APIM301", `backend "billing": credentials.certificate references thumbprint 00112233…00112233, which matches no`)
		}))
	add("APIM301", "good", newFx("Every reference names a declared certificate: by id, by ARM resource id, by thumbprint and from policy.").
		withPFXPassword(pw).
		res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		res(backendRes("orders", "https://orders.contoso.com", `{ "certificateIds": [ "[resourceId('Microsoft.ApiManagement/service/certificates', 'contoso', 'orders-client')]" ] }`)).
		res(backendRes("billing", "https://billing.contoso.com", fmt.Sprintf(`{ "certificate": [ %q ] }`, pki.Client.Material().Thumbprint))).
		file("policy.xml", []byte("<policies>\n  <inbound>\n    <base />\n    <authentication-certificate certificate-id=\"orders-client\" />\n  </inbound>\n  <backend><base /></backend>\n  <outbound><base /></outbound>\n  <on-error><base /></on-error>\n</policies>\n")).
		done(func(b *fxb, _ string) { b.args = []string{"policy.xml"} }))

	// APIM302
	add("APIM302", "bad", newFx("An expired and a not-yet-valid client certificate.").
		withPFXPassword(pw).
		res(certRes("old-client", pfxProps(t, pki.ClientExpired, pw))).
		res(certRes("future-client", pfxProps(t, pki.ClientNotYetValid, pw))).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "old-client", "APIM302", `certificate "old-client" \(.*apimlab expired client.*\) expired on 2025-05-31 \(1 day ago\) \(properties.data\)`)
			b.wantCert(tm, "future-client", "APIM302", `certificate "future-client" .* is not valid until 2025-07-01 \(in 30 days\)`)
		}))
	add("APIM302", "good", newFx("A client certificate valid for a year.").
		withPFXPassword(pw).res(certRes("orders-client", pfxProps(t, pki.Client, pw))).done(nil))

	// APIM303
	add("APIM303", "bad", newFx("A client certificate that expires in 10 days.").
		withPFXPassword(pw).res(certRes("soon-client", pfxProps(t, pki.ClientExpiringSoon, pw))).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "soon-client", "APIM303", `certificate "soon-client" .* expires on 2025-06-11, in 10 days \(properties.data\)`)
		}))
	add("APIM303", "good", newFx("A client certificate valid for a year, and an expired one (APIM302's, not this rule's).").
		withPFXPassword(pw).res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		res(certRes("old-client", pfxProps(t, pki.ClientExpired, pw))).done(nil))

	// APIM304
	trustCfg := []byte("backends:\n  orders:\n    trustedClientCAs: [ca/root-ca.pem]\n")
	add("APIM304", "bad", newFx("The backend trusts the test root CA; its client certificate comes from another root.").
		withPFXPassword(pw).
		res(certRes("orders-client", pfxProps(t, pki.ClientWrongCA, pw))).
		res(backendRes("orders", "https://orders.contoso.com", ids("orders-client"))).
		file(".apimlab.yaml", trustCfg).file("ca/root-ca.pem", pki.Root.CertPEM()).
		done(func(b *fxb, tm string) {
			b.wantAt("template.json", tm, `"/certificates/orders-client"`, 0, "APIM304",
				`backend "orders": certificate "orders-client" .* is issued by ".*apimlab Wrong Root CA.*", which does not chain to a CA the backend trusts; it accepts ".*apimlab Test Root CA.*" \(backends.orders.trustedClientCAs\)`)
		}))
	add("APIM304", "good", newFx("The client certificate chains, through the intermediate in its PFX, to the root the backend trusts.").
		withPFXPassword(pw).
		res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		res(backendRes("orders", "https://orders.contoso.com", ids("orders-client"))).
		file(".apimlab.yaml", trustCfg).file("ca/root-ca.pem", pki.Root.CertPEM()).done(nil))

	// APIM305
	add("APIM305", "bad", newFx("A certificate with the serverAuth EKU only, and one whose key usage lacks digitalSignature.").
		withPFXPassword(pw).
		res(certRes("server-as-client", pfxProps(t, pki.ClientNoClientAuth, pw))).
		res(certRes("no-signature", pfxProps(t, pki.ClientNoDigitalSignature, pw))).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "server-as-client", "APIM305", `cannot authenticate a TLS client: its extended key usage \(serverAuth\) does not include clientAuth`)
			b.wantCert(tm, "no-signature", "APIM305", `its key usage \(keyEncipherment\) does not include digitalSignature`)
		}))
	add("APIM305", "good", newFx("A client certificate with clientAuth and digitalSignature.").
		withPFXPassword(pw).res(certRes("orders-client", pfxProps(t, pki.Client, pw))).done(nil))

	// APIM306
	noKey := fixtureBytes(t, func() ([]byte, error) { return pki.Client.PFXCertsOnly(pkcs12.Modern, pw) })
	otherKey := fixtureBytes(t, pki.ClientExpired.KeyPEM)
	add("APIM306", "bad", newFx("A PFX exported without its private key, and (mapped in .apimlab.yaml) a PEM whose key belongs to another certificate.").
		withPFXPassword(pw).
		res(certRes("orders-client", fmt.Sprintf(`{ "data": %q, "password": "[parameters('pfxPassword')]" }`, b64(noKey)))).
		file(".apimlab.yaml", []byte("certificates:\n  partner-client:\n    file: partner-client.pem\n")).
		file("partner-client.pem", concat(pki.Client.CertPEM(), otherKey)).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "orders-client", "APIM306", `certificate "orders-client" .* holds no private key \(properties.data\)`)
			b.want = append(b.want, `.apimlab.yaml:2 APIM306 certificate "partner-client" .*: the private key in file "partner-client.pem" .* does not belong to the certificate`)
		}))
	add("APIM306", "good", newFx("A PFX with its key, and a PEM file with the certificate and its own key.").
		withPFXPassword(pw).
		res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		file(".apimlab.yaml", []byte("certificates:\n  partner-client:\n    file: partner-client.pem\n")).
		file("partner-client.pem", concat(pki.Client.ChainPEM(), fixtureBytes(t, pki.Client.KeyPEM))).done(nil))

	// APIM307
	add("APIM307", "bad", newFx("A client certificate with a 1024-bit RSA key.").
		withPFXPassword(pw).res(certRes("legacy-client", pfxProps(t, pki.ClientRSA1024, pw))).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "legacy-client", "APIM307", `certificate "legacy-client" .* is weak: RSA key of 1024 bits \(minimum 2048\)`)
		}))
	add("APIM307", "good", newFx("A client certificate with an ECDSA P-256 key signed with SHA-256.").
		withPFXPassword(pw).res(certRes("orders-client", pfxProps(t, pki.Client, pw))).done(nil))

	// APIM308
	add("APIM308", "bad", newFx("Key Vault identifiers that point at /certificates/, at /keys/, and at no vault at all.").
		res(certRes("orders-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/certificates/orders-client"))).
		res(namedValueRes("signing-key", fmt.Sprintf(`{ "displayName": "signing-key", "secret": true, "keyVault": { "secretIdentifier": %q } }`, kvBase+"/keys/signing"))).
		res(certRes("partner-client", `{ "keyVault": { "secretIdentifier": "https://storage.example.com/secrets/partner" } }`)).
		done(func(b *fxb, tm string) {
			b.wantAt("template.json", tm, "/certificates/orders-client\"", 0, "APIM308", `certificate "orders-client": keyVault.secretIdentifier points at /certificates/orders-client instead of /secrets/orders-client`)
			b.wantAt("template.json", tm, "/keys/signing\"", 0, "APIM308", `named value "signing-key": keyVault.secretIdentifier points at /keys/signing`)
			b.wantAt("template.json", tm, "storage.example.com", 0, "APIM308", `certificate "partner-client": keyVault.secretIdentifier is not a Key Vault secret identifier: .*is not a Key Vault`)
		}))
	add("APIM308", "good", newFx("Key Vault secret identifiers.").
		res(certRes("orders-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/orders-client"))).
		res(namedValueRes("signing-key", fmt.Sprintf(`{ "displayName": "signing-key", "secret": true, "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/signing"))).
		done(nil))

	// APIM309
	const version = "0f3c2a9b8d7e4f61a2b3c4d5e6f70819"
	add("APIM309", "bad", newFx("A certificate and a named value pinned to one version of their Key Vault secret.").
		res(certRes("orders-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/orders-client/"+version))).
		res(namedValueRes("signing-key", fmt.Sprintf(`{ "displayName": "signing-key", "secret": true, "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/signing/"+version))).
		done(func(b *fxb, tm string) {
			b.wantAt("template.json", tm, "/secrets/orders-client/", 0, "APIM309", `certificate "orders-client": keyVault.secretIdentifier pins version `+version+` of "orders-client"`)
			b.wantAt("template.json", tm, "/secrets/signing/", 0, "APIM309", `named value "signing-key": keyVault.secretIdentifier pins version`)
		}))
	add("APIM309", "good", newFx("Unversioned secret identifiers: rotation is picked up.").
		res(certRes("orders-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/orders-client"))).
		done(nil))

	// APIM310
	// Files are base64, as Key Vault holds PFX secrets (txtar cannot hold binary).
	kvPFX := []byte(b64(fixtureBytes(t, func() ([]byte, error) { return pki.Client.PFX(pkcs12.Modern, "") })) + "\n")
	kvCfg := []byte("keyvaultDir: kv\n")
	tp := pki.Client.Material().Thumbprint
	add("APIM310", "bad", newFx("A Key Vault-backed certificate (kv/ stands in for the vault) referenced by thumbprint from a backend and a policy.").
		res(certRes("orders-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/orders-client"))).
		res(backendRes("orders", "https://orders.contoso.com", fmt.Sprintf(`{ "certificate": [ %q ] }`, tp))).
		file(".apimlab.yaml", kvCfg).file("kv/orders-client.pfx", kvPFX).
		file("policy.xml", []byte(fmt.Sprintf("<policies>\n  <inbound>\n    <base />\n    <!-- want \"APIM310: Key Vault-backed certificate \\\"orders-client\\\" by thumbprint\" -->\n    <authentication-certificate thumbprint=%q />\n  </inbound>\n  <backend><base /></backend>\n  <outbound><base /></outbound>\n  <on-error><base /></on-error>\n</policies>\n", tp))).
		done(func(b *fxb, tm string) {
			b.args = []string{"policy.xml"}
			b.wantAt("template.json", tm, tp, 0, "APIM310", `backend "orders": credentials.certificate references Key Vault-backed certificate "orders-client" by thumbprint`)
		}))
	add("APIM310", "good", newFx("The same certificate referenced by id.").
		res(certRes("orders-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/orders-client"))).
		res(backendRes("orders", "https://orders.contoso.com", ids("orders-client"))).
		file(".apimlab.yaml", kvCfg).file("kv/orders-client.pfx", kvPFX).done(nil))

	// APIM311
	inline := newFx("A certificate password written as a literal, and one from a plain string parameter.")
	inline.params["plainPassword"] = fmt.Sprintf(`{ "type": "string", "defaultValue": %q }`, fixtureInlinePw)
	add("APIM311", "bad", inline.
		res(certRes("orders-client", fmt.Sprintf(`{ "data": %q, "password": %q }`, pfxB64(t, pki.Client, fixtureInlinePw), fixtureInlinePw))).
		res(certRes("billing-client", fmt.Sprintf(`{ "data": %q, "password": "[parameters('plainPassword')]" }`, pfxB64(t, pki.Client, fixtureInlinePw)))).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "orders-client", "APIM311", `certificate "orders-client": properties.password is a literal in the file \(line \d+\); the password is never shown`)
			b.wantCert(tm, "billing-client", "APIM311", `certificate "billing-client": properties.password comes from a parameter or expression that is not a secureString`)
		}))
	add("APIM311", "good", newFx("The password comes from a secureString parameter (its value in the parameters file).").
		withPFXPassword(pw).res(certRes("orders-client", pfxProps(t, pki.Client, pw))).done(nil))

	// APIM312
	add("APIM312", "bad", newFx("A PFX whose password parameter holds the wrong password, and data that is no PFX.").
		withPFXPassword(fixtureWrongPw).
		res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		res(certRes("broken-client", `{ "data": "bm90IGEgY2VydGlmaWNhdGUgYXQgYWxs", "password": "[parameters('pfxPassword')]" }`)).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "orders-client", "APIM312", `certificate "orders-client": properties.data cannot be read: the password is wrong`)
			b.wantCert(tm, "broken-client", "APIM312", `certificate "broken-client": properties.data cannot be read: corrupt certificate data`)
		}))
	add("APIM312", "good", newFx("The PFX opens with the password from the parameters file.").
		withPFXPassword(pw).res(certRes("orders-client", pfxProps(t, pki.Client, pw))).done(nil))

	// APIM313: only a live server makes it fire (TestServerCertUntrustedProbe).
	add("APIM313", "good", newFx("Without --probe there is nothing to check: the rule needs a live TLS handshake.").
		res(backendRes("orders", "https://orders.contoso.com", "")).done(nil))

	// APIM314
	noInter := fixtureBytes(t, func() ([]byte, error) {
		return pki.Client.PFXWithChain(pkcs12.Modern, pw, []*x509.Certificate{pki.Root.Cert})
	})
	add("APIM314", "bad", newFx("A PFX holding the client certificate and the root, but not the intermediate that issued it.").
		withPFXPassword(pw).
		res(certRes("orders-client", fmt.Sprintf(`{ "data": %q, "password": "[parameters('pfxPassword')]" }`, b64(noInter)))).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "orders-client", "APIM314", `certificate "orders-client" .*: properties.data holds no issuer of the client certificate \(issued by ".*apimlab Test Intermediate CA.*"\)`)
		}))
	add("APIM314", "good", newFx("A PFX with the client certificate and its intermediate.").
		withPFXPassword(pw).res(certRes("orders-client", pfxProps(t, pki.Client, pw))).done(nil))

	// APIM315
	unknownPw := newFx("Material apimlab cannot read offline: a Key Vault secret without --keyvault-dir, a PFX whose password parameter has no value, an APIOps-style id mapped to a file whose password variable is not set.")
	unknownPw.params["pfxPassword"] = `{ "type": "secureString" }`
	add("APIM315", "bad", unknownPw.
		res(certRes("kv-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/kv-client"))).
		res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		file(".apimlab.yaml", []byte("certificates:\n  partner-client:\n    file: partner-client.pfx\n    passwordEnv: APIMLAB_FIXTURE_UNSET_VARIABLE_315\n")).
		file("partner-client.pfx", []byte(b64(fixtureBytes(t, func() ([]byte, error) { return pki.Client.PFX(pkcs12.Modern, pw) }))+"\n")).
		done(func(b *fxb, tm string) {
			b.wantCert(tm, "kv-client", "APIM315", `certificate "kv-client": the Key Vault secret is not read offline: pass --keyvault-dir DIR .*; skipped: APIM301 thumbprint references, APIM302 cert-expired`)
			b.wantCert(tm, "orders-client", "APIM315", `certificate "orders-client": the password \(properties.password\) is not known \(parameter "pfxPassword" has no value.*\); pass --parameters or set \$APIMLAB_CERT_PASSWORD_ORDERS_CLIENT; skipped:`)
			b.want = append(b.want, `.apimlab.yaml:2 APIM315 certificate "partner-client": the password variable \$APIMLAB_FIXTURE_UNSET_VARIABLE_315 \(certificates.partner-client.passwordEnv\) is not set`)
		}))
	add("APIM315", "good", newFx("Every certificate can be read: data with its password, a Key Vault secret through keyvaultDir, a PEM mapped in .apimlab.yaml.").
		withPFXPassword(pw).
		res(certRes("kv-client", fmt.Sprintf(`{ "keyVault": { "secretIdentifier": %q } }`, kvBase+"/secrets/kv-client"))).
		res(certRes("orders-client", pfxProps(t, pki.Client, pw))).
		file(".apimlab.yaml", []byte("keyvaultDir: kv\ncertificates:\n  partner-client:\n    file: partner-client.pem\n")).
		file("kv/kv-client.pfx", kvPFX).
		file("partner-client.pem", concat(pki.Client.ChainPEM(), fixtureBytes(t, pki.Client.KeyPEM))).done(nil))
	return out
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
