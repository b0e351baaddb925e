package certs

import (
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"io"
	"slices"
	"time"
)

// DefaultPassword is the PFX password of the test PKI when InitOptions.Password
// is empty. It protects TEST-ONLY keys and is not a secret.
const DefaultPassword = "apimlab-test"

// InitOptions configure NewPKI and Init. The zero value is usable.
type InitOptions struct {
	// Hosts are the server certificate's subject alternative names; entries
	// that parse as IP addresses become IP SANs. If empty, "localhost" and
	// "127.0.0.1".
	Hosts []string
	// Now is the reference time every validity period is relative to. If
	// zero, time.Now() (truncated to the second).
	Now time.Time
	// Password protects every PFX. If empty, DefaultPassword.
	Password string
	// Rand supplies serial numbers and PFX salts. If nil, crypto/rand.Reader.
	// Since Go 1.26 key generation and signing always use a secure source, so
	// Rand cannot make keys reproducible; file names and validity periods are
	// deterministic regardless.
	Rand io.Reader
	// RSA2048 also generates ClientRSA2048 (file stem client-rsa2048), for
	// backends and tools that accept only RSA client certificates. Off by
	// default: RSA-2048 key generation costs up to seconds under the race
	// detector, while ECDSA P-256 costs microseconds.
	RSA2048 bool
	// Force lets Init overwrite existing files. If false, Init fails with
	// ErrExists before writing anything when a target file exists.
	Force bool
}

func (o InitOptions) withDefaults() InitOptions {
	if len(o.Hosts) == 0 {
		o.Hosts = []string{"localhost", "127.0.0.1"}
	}
	if o.Now.IsZero() {
		o.Now = time.Now().Truncate(time.Second)
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	return o
}

// PKI is a complete throw-away test PKI: two roots (the trusted one and a
// "wrong" one), an intermediate, a server certificate, a good client
// certificate and one broken variant per certificate lint scenario. Every
// key is TEST-ONLY. Fields other than ClientRSA2048 are never nil after NewPKI.
type PKI struct {
	// Now is the reference time validity periods are relative to.
	Now time.Time
	// Hosts are the server certificate's SANs.
	Hosts []string
	// Password is the password PFX files are written with.
	Password string

	// Root is the trusted root CA (valid from 2 years before Now to 10 years after).
	Root *Issued
	// Intermediate is issued by Root (2 years before Now to 5 years after,
	// path length 0) and issues
	// every leaf except the wrong-CA client and the self-signed server.
	Intermediate *Issued
	// WrongRoot is an unrelated root CA that backends do not trust.
	WrongRoot *Issued

	// Server is a valid TLS server certificate for Hosts.
	Server *Issued
	// ServerExpired is a server certificate for Hosts that expired a day before Now.
	ServerExpired *Issued
	// ServerSelfSigned is a self-signed server certificate for Hosts.
	ServerSelfSigned *Issued

	// Client is a valid client certificate (clientAuth EKU, digitalSignature).
	Client *Issued
	// ClientRSA2048 is Client with an RSA-2048 key, for consumers that need
	// RSA; nil unless InitOptions.RSA2048 was set.
	ClientRSA2048 *Issued
	// ClientExpired expired a day before Now.
	ClientExpired *Issued
	// ClientNotYetValid becomes valid 30 days after Now.
	ClientNotYetValid *Issued
	// ClientExpiringSoon expires 10 days after Now.
	ClientExpiringSoon *Issued
	// ClientWrongCA is issued by WrongRoot.
	ClientWrongCA *Issued
	// ClientNoClientAuth has the serverAuth EKU only.
	ClientNoClientAuth *Issued
	// ClientNoDigitalSignature has key usage keyEncipherment only.
	ClientNoDigitalSignature *Issued
	// ClientRSA1024 has a 1024-bit RSA key (weak key, APIM307).
	ClientRSA1024 *Issued

	rand io.Reader
}

// NewPKI generates a fresh test PKI in memory.
func NewPKI(opts InitOptions) (*PKI, error) {
	o := opts.withDefaults()
	p := &PKI{Now: o.Now, Hosts: o.Hosts, Password: o.Password, rand: o.Rand}
	now := o.Now
	year := func(n int) time.Time { return now.AddDate(n, 0, 0) }
	days := func(n int) time.Time { return now.Add(time.Duration(n) * 24 * time.Hour) }
	start := now.Add(-time.Hour)
	caStart := now.AddDate(-2, 0, 0) // CAs predate every leaf, as real ones do

	steps := []struct {
		dst  **Issued
		spec spec
	}{
		{&p.Root, spec{name: "root-ca", cn: "apimlab Test Root CA", ca: true, from: caStart, to: year(10)}},
		{&p.WrongRoot, spec{name: "wrong-root-ca", cn: "apimlab Wrong Root CA", ca: true, from: caStart, to: year(10)}},
		{&p.Intermediate, spec{name: "intermediate-ca", cn: "apimlab Test Intermediate CA", ca: true, pathLenZero: true, parent: &p.Root, from: caStart, to: year(5)}},
		{&p.Server, spec{name: "server", server: true, parent: &p.Intermediate, from: start, to: days(397)}},
		{&p.ServerExpired, spec{name: "server-expired", server: true, parent: &p.Intermediate, from: days(-398), to: days(-1)}},
		{&p.ServerSelfSigned, spec{name: "server-self-signed", server: true, from: start, to: days(397)}},
		{&p.Client, spec{name: "client", cn: "apimlab test client", client: true, parent: &p.Intermediate, from: start, to: year(1)}},
		{&p.ClientRSA2048, spec{name: "client-rsa2048", cn: "apimlab test client (RSA-2048)", client: true, rsaBits: 2048, parent: &p.Intermediate, from: start, to: year(1)}},
		{&p.ClientExpired, spec{name: "client-expired", cn: "apimlab expired client", client: true, parent: &p.Intermediate, from: days(-366), to: days(-1)}},
		{&p.ClientNotYetValid, spec{name: "client-not-yet-valid", cn: "apimlab not-yet-valid client", client: true, parent: &p.Intermediate, from: days(30), to: days(30).AddDate(1, 0, 0)}},
		{&p.ClientExpiringSoon, spec{name: "client-expiring-soon", cn: "apimlab expiring-soon client", client: true, parent: &p.Intermediate, from: start, to: days(10)}},
		{&p.ClientWrongCA, spec{name: "client-wrong-ca", cn: "apimlab wrong-CA client", client: true, parent: &p.WrongRoot, from: start, to: year(1)}},
		{&p.ClientNoClientAuth, spec{name: "client-no-clientauth", cn: "apimlab client without clientAuth", client: true, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, parent: &p.Intermediate, from: start, to: year(1)}},
		{&p.ClientNoDigitalSignature, spec{name: "client-no-digitalsignature", cn: "apimlab client without digitalSignature", client: true, ku: x509.KeyUsageKeyEncipherment, parent: &p.Intermediate, from: start, to: year(1)}},
		{&p.ClientRSA1024, spec{name: "client-rsa1024", cn: "apimlab weak RSA-1024 client", client: true, rsaBits: 1024, parent: &p.Intermediate, from: start, to: year(1)}},
	}
	for _, s := range steps {
		sp := s.spec
		if sp.rsaBits == 2048 && !o.RSA2048 {
			continue
		}
		if sp.server {
			sp.hosts = o.Hosts
		}
		is, err := p.issue(sp)
		if err != nil {
			return nil, fmt.Errorf("certs: generating %s: %w", sp.name, err)
		}
		*s.dst = is
	}
	return p, nil
}

// RootPool returns a new pool holding only Root, for tls.Config RootCAs or
// ClientCAs.
func (p *PKI) RootPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root.Cert)
	return pool
}

// All returns every issued certificate of the PKI in a fixed order (CAs,
// servers, clients; ClientRSA2048 only when generated), the order Init
// writes them in.
func (p *PKI) All() []*Issued {
	all := []*Issued{
		p.Root, p.Intermediate, p.WrongRoot,
		p.Server, p.ServerExpired, p.ServerSelfSigned,
		p.Client, p.ClientRSA2048, p.ClientExpired, p.ClientNotYetValid, p.ClientExpiringSoon,
		p.ClientWrongCA, p.ClientNoClientAuth, p.ClientNoDigitalSignature, p.ClientRSA1024,
	}
	return slices.DeleteFunc(all, func(is *Issued) bool { return is == nil })
}

// IssueServer issues a valid server certificate for hosts from the
// Intermediate (a certificate for the wrong host, in simulations), or from
// WrongRoot when untrusted is true (a chain the gateway does not trust).
func (p *PKI) IssueServer(hosts []string, untrusted bool) (*Issued, error) {
	if len(hosts) == 0 {
		return nil, fmt.Errorf("certs: IssueServer needs at least one host")
	}
	parent := &p.Intermediate
	if untrusted {
		parent = &p.WrongRoot
	}
	start := p.Now.Add(-time.Hour)
	return p.issue(spec{name: "server-extra", server: true, hosts: hosts, parent: parent, from: start, to: start.Add(397 * 24 * time.Hour)})
}
