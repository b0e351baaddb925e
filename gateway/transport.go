package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
)

// Transport tuning: every backend gets its own keep-alive pool sized for a
// gateway (the default MaxIdleConnsPerHost of 2 makes a loaded proxy open
// and close connections all the time).
const (
	maxIdlePerHost  = 1024
	idleConnTimeout = 90 * time.Second
	dialTimeout     = 30 * time.Second
	tlsHandshake    = 10 * time.Second
)

// tlsFlags are the two validation switches of a backend and its custom CA
// certificate details (nil when none; they override both switches).
type tlsFlags struct {
	chain, name bool
	pins        *caPins
}

// newTransport builds the transport of a Single backend entity (b nil: an
// ad hoc base-url or serviceUrl target with Azure's defaults).
func (g *Gateway) newTransport(b *apim.Backend, certKey string) (*http.Transport, error) {
	flags := tlsFlags{chain: true, name: true}
	var proxy *apim.Proxy
	host := ""
	if b != nil {
		flags = tlsFlags{chain: b.TLS.ValidatesChain(), name: b.TLS.ValidatesName()}
		pins, err := buildPins(b.TLS)
		if err != nil {
			return nil, err
		}
		flags.pins = pins
		proxy = b.Proxy
		if u, err := url.Parse(strings.TrimSpace(b.URL.Value)); err == nil {
			host = u.Hostname()
		}
	}
	tr := &http.Transport{
		MaxIdleConnsPerHost:   maxIdlePerHost,
		MaxConnsPerHost:       max(g.opts.MaxConnsPerBackend, 0),
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshake,
		ExpectContinueTimeout: time.Second,
		// A proxy passes the backend's encoding through untouched.
		DisableCompression: true,
		TLSClientConfig:    g.tlsConfig(flags, host, certKey),
		// HTTP/1.1 to backends, as Azure (forward-request http-version
		// defaults to "1"): a non-nil empty TLSNextProto keeps net/http
		// from negotiating HTTP/2 through ALPN.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	// Response heads are read through hopConn (hopconn.go), which removes
	// the fields a backend's Connection header names before net/http can
	// drop that header.
	dial := g.backendDial()
	tr.DialContext = hopDial(dial)
	tr.DialTLSContext = hopDialTLS(dial, tr.TLSClientConfig, tlsHandshake)
	var entityProxy *url.URL
	if proxy != nil && proxy.URL.Known() {
		pu, err := proxyURL(proxy.URL.Value, proxy.Username.Value, proxy.Password.Value, proxy.Username.Known())
		if err != nil {
			return nil, err
		}
		entityProxy = pu
	}
	tr.Proxy = proxyFunc(entityProxy)
	return tr, nil
}

// tlsConfig honours validateCertificateChain and validateCertificateName
// exactly: Go's verifier checks both at once, so any other combination
// switches it off and verifies by hand in VerifyConnection. host is the
// backend URL's host name, the name validated (the connection state has no
// server name for IP addresses).
func (g *Gateway) tlsConfig(f tlsFlags, host, certKey string) *tls.Config {
	cfg := &tls.Config{RootCAs: g.roots, MinVersion: tls.VersionTLS12}
	if certKey != "" {
		cert := g.certs[certKey]
		// GetClientCertificate presents the certificate whatever CAs the
		// server asks for, as APIM does; the server decides.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	if f.pins != nil {
		// Custom CA details: name and chain are always validated, against
		// the pinned CAs, whatever the two switches say.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = g.verifyPinned(f.pins, host)
		return cfg
	}
	if f.chain && f.name && len(g.inters) == 0 {
		return cfg
	}
	cfg.InsecureSkipVerify = true
	switch {
	case f.chain:
		// Go's verifier builds chains only from what the backend sends;
		// the CA store's intermediates must be offered too.
		cfg.VerifyConnection = g.verifyChain(host, f.name)
	case f.name:
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: backend sent no certificate")
			}
			return cs.PeerCertificates[0].VerifyHostname(serverName(cs, host))
		}
	}
	return cfg
}

// verifyChain verifies the backend's certificate against the roots
// (system, CA store Root entries, CA files), building the chain from the
// certificates the backend sent plus the CA store's CertificateAuthority
// entries; name also checks the host name.
func (g *Gateway) verifyChain(host string, name bool) func(tls.ConnectionState) error {
	roots, storeInters := g.roots, g.inters
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: backend sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		for _, c := range storeInters {
			inter.AddCert(c)
		}
		if name {
			// VerifyHostname, not VerifyOptions.DNSName: an empty name (an
			// IP address target of the ad hoc transport, whose host is
			// not known here) must fail, not skip the check.
			if err := cs.PeerCertificates[0].VerifyHostname(serverName(cs, host)); err != nil {
				return err
			}
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}

// serverName is the name a backend's certificate must carry: the TLS
// server name, or the URL's host (the connection state has no server name
// for IP addresses).
func serverName(cs tls.ConnectionState, host string) string {
	if cs.ServerName != "" {
		return cs.ServerName
	}
	return host
}

// transportFor returns the HTTP/1.1 transport presenting client
// certificate certKey (authentication-certificate).
func (b *backend) transportFor(g *Gateway, certKey string) *http.Transport {
	return b.variant(g, certKey, http1)
}

// variant returns the transport presenting client certificate certKey
// (authentication-certificate) and speaking HTTP version v
// (forward-request http-version), cached per pair: connections made with
// one certificate must not serve requests meant for another, and an
// HTTP/2 connection pool is not an HTTP/1.1 one.
func (b *backend) variant(g *Gateway, certKey string, v httpVersion) *http.Transport {
	if certKey == b.tlsCert {
		certKey = "" // the base transport presents it
	}
	if certKey == "" && v == http1 {
		return b.transport
	}
	k := variantKey{cert: certKey, version: v}
	if t, ok := b.variants.Load(k); ok {
		return t.(*http.Transport)
	}
	actual, _ := b.variants.LoadOrStore(k, g.derive(b.transport, certKey, v))
	return actual.(*http.Transport)
}

// derive returns a clone of base that presents client certificate certKey
// ("" = base's own, if any) and speaks HTTP version v: the one way backend
// entities' and ad hoc targets' variants are made.
func (g *Gateway) derive(base *http.Transport, certKey string, v httpVersion) *http.Transport {
	t := base.Clone()
	if certKey != "" {
		cert := g.certs[certKey]
		t.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	v.configure(t)
	// HTTP/1.1 over TLS reads heads through hopConn with this variant's
	// TLS configuration; HTTP/2 variants get the *tls.Conn itself, so
	// net/http sees the protocol ALPN agreed on, with the same name check
	// for an IP address target.
	t.DialTLSContext = tlsDial(g.backendDial(), t.TLSClientConfig, tlsHandshake, v == http1)
	return t
}

// variantKey names a transport variant: a client certificate ("" = the
// base transport's) and an HTTP version.
type variantKey struct {
	cert    string
	version httpVersion
}

// httpVersion is forward-request's http-version (Learn, "Forward request":
// "1: HTTP/1", "2: HTTP/2", "2or1: The gateway favors HTTP/2 over HTTP/1,
// but falls back to HTTP/1 if HTTP/2 doesn't work"; default 1).
type httpVersion uint8

const (
	http1     httpVersion = iota // "1": HTTP/1.1 only
	http2or1                     // "2or1": HTTP/2 when TLS ALPN agrees on it, else HTTP/1.1
	http2only                    // "2": HTTP/2 only (h2 over TLS, h2c with prior knowledge over http://)
)

// parseHTTPVersion reads an http-version attribute value.
func parseHTTPVersion(s string) (httpVersion, bool) {
	switch strings.TrimSpace(s) {
	case "1":
		return http1, true
	case "2or1":
		return http2or1, true
	case "2":
		return http2only, true
	}
	return 0, false
}

// configure makes t (a fresh clone) speak v. A backend that cannot speak
// HTTP/2 fails "2" at the TLS handshake (no common ALPN protocol) or at
// the first frame (h2c), which the gateway reports as
// BackendConnectionFailure.
func (v httpVersion) configure(t *http.Transport) {
	if v == http1 {
		return
	}
	p := new(http.Protocols)
	if v == http2or1 {
		p.SetHTTP1(true)
		p.SetHTTP2(true)
	} else {
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(true)
	}
	t.Protocols = p
	// The base transport's empty TLSNextProto is what keeps it on
	// HTTP/1.1; a variant lets net/http wire its HTTP/2 client in.
	t.TLSNextProto = nil
}

// closeIdle closes idle connections of every transport of b.
func (b *backend) closeIdle() {
	if b.transport != nil {
		b.transport.CloseIdleConnections()
	}
	b.variants.Range(func(_, v any) bool {
		v.(*http.Transport).CloseIdleConnections()
		return true
	})
}

// certKey normalises a certificate id.
func certKey(id string) string {
	id = strings.TrimSpace(id)
	return strings.ToLower(id[strings.LastIndexByte(id, '/')+1:])
}

// loadCertificates loads every certificate entity that carries a PFX.
// Entities that cannot be loaded (Key Vault references, bad passwords)
// are remembered with their reason; they are an error only when used.
func (g *Gateway) loadCertificates() {
	for _, c := range g.svc.Certificates {
		key := certKey(c.Name)
		if !c.Data.Known() {
			g.certErrs[key] = "no PFX data (Key Vault certificates are not emulated)"
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.Data.Value))
		if err != nil {
			g.certErrs[key] = "data is not base64"
			continue
		}
		m, err := certs.LoadPFX(raw, c.Password.Value)
		if err != nil {
			g.certErrs[key] = err.Error()
			continue
		}
		tc, err := m.TLSCertificate()
		if err != nil {
			g.certErrs[key] = err.Error()
			continue
		}
		g.certs[key] = &tc
		g.knownCAs = append(g.knownCAs, m.Leaf)
		g.knownCAs = append(g.knownCAs, m.Chain...)
		g.certThumbs[m.Thumbprint] = key
		if c.Thumbprint.Known() {
			g.certThumbs[certs.NormalizeThumbprint(c.Thumbprint.Value)] = key
		}
	}
}

// certByThumbprint finds a loaded certificate by thumbprint.
func (g *Gateway) certByThumbprint(tp string) (string, bool) {
	k, ok := g.certThumbs[certs.NormalizeThumbprint(tp)]
	return k, ok
}

// buildRoots returns the system roots plus the service CA store's Root
// entries plus the CA files, and keeps the store's CertificateAuthority
// entries apart: they are intermediates, offered for chain building but
// never trusted by themselves (apim.CACertificate.IsIntermediate).
func (g *Gateway) buildRoots(c *compiler) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, ca := range g.svc.CAStore {
		if !ca.EncodedCertificate.Known() {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ca.EncodedCertificate.Value))
		if err != nil {
			c.fail(ca.EncodedCertificate.At(ca.Pos), "CA certificate: encodedCertificate is not base64")
			continue
		}
		var all []*x509.Certificate
		if cert, err := x509.ParseCertificate(raw); err == nil {
			all = []*x509.Certificate{cert}
		} else if m, err := certs.LoadBytes(raw, ca.CertificatePassword.Value); err == nil {
			all = append([]*x509.Certificate{m.Leaf}, m.Chain...)
		}
		if all != nil {
			g.knownCAs = append(g.knownCAs, all...)
			if ca.IsIntermediate() {
				g.inters = append(g.inters, all...)
				continue
			}
			for _, cert := range all {
				pool.AddCert(cert)
			}
			continue
		}
		c.fail(ca.EncodedCertificate.At(ca.Pos), "CA certificate: cannot be decoded")
	}
	for _, f := range g.opts.CAFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			c.fail(apim.Position{File: f}, "CA file: %v", err)
			continue
		}
		if !pool.AppendCertsFromPEM(data) {
			c.fail(apim.Position{File: f}, "CA file holds no PEM certificate")
			continue
		}
		g.knownCAs = append(g.knownCAs, pemCerts(data)...)
	}
	g.roots = pool
}
