package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"time"
)

// DefaultProbeTimeout bounds a probe's dial and handshake when
// ProbeOptions.Timeout is zero.
const DefaultProbeTimeout = 10 * time.Second

// ProbeOptions configure Probe. The zero value trusts the system roots,
// waits at most DefaultProbeTimeout and verifies at the current time.
type ProbeOptions struct {
	// Roots are extra trust anchors (APIM's CA store with storeName Root,
	// CAs given on the command line), added to the system roots.
	Roots []*x509.Certificate
	// Intermediates are extra intermediate CAs (storeName
	// CertificateAuthority) available for chain building, besides the
	// certificates the server sends.
	Intermediates []*x509.Certificate
	// NoSystemRoots trusts only Roots (hermetic tests, private PKIs).
	NoSystemRoots bool
	// Timeout bounds dial plus handshake. If zero, DefaultProbeTimeout.
	Timeout time.Duration
	// Now is the time the chain is verified at. If zero, time.Now().
	Now time.Time
	// Dial opens the TCP connection. If nil, a net.Dialer. The simulator
	// passes its own to map backend hosts to local fakes.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ProbeResult is what a TLS handshake with a backend revealed.
type ProbeResult struct {
	// Target is the probed host:port.
	Target string
	// ServerName is the name sent as SNI and verified against the certificate.
	ServerName string
	// Version and CipherSuite are the negotiated parameters (0 when the
	// handshake failed); see tls.VersionName and tls.CipherSuiteName.
	Version     uint16
	CipherSuite uint16
	// Chain is the certificate chain the server sent, leaf first.
	Chain []*x509.Certificate
	// Verify is the result of verifying Chain for ServerName.
	Verify Verification
	// ClientCertRequested reports whether the server sent a
	// CertificateRequest (optional or required client certificate).
	ClientCertRequested bool
	// AcceptableCAs are the distinguished names, in RFC 2253 form, of the CAs
	// whose client certificates the server accepts (from its
	// CertificateRequest; empty when it names none).
	AcceptableCAs []string
	// AcceptableCAsRaw are the same names DER-encoded, as sent.
	AcceptableCAsRaw [][]byte
	// HandshakeError is non-empty when the handshake failed after the
	// server had sent its certificate, typically because it insisted on a
	// client certificate (the probe presents none). Under TLS 1.3 servers
	// reject a missing client certificate after the handshake, so this
	// stays empty there; ClientCertRequested still says a certificate was asked for.
	HandshakeError string
}

// Verification is the outcome of verifying a server chain. Each problem is
// detected on its own, so an expired self-signed certificate for the wrong
// name sets all three flags.
type Verification struct {
	// OK reports a chain that a strict client (Go's, APIM's with both
	// validation flags on) accepts: trusted, valid now, and for ServerName.
	OK bool
	// Error is crypto/x509's message for the first problem ("" when OK).
	Error string
	// UnknownAuthority: the chain does not lead to a trusted root.
	UnknownAuthority bool
	// HostnameMismatch: the leaf is not valid for ServerName.
	HostnameMismatch bool
	// Expired: a certificate of the chain expired before Now.
	Expired bool
	// NotYetValid: a certificate of the chain is not valid until after Now.
	NotYetValid bool
	// TrustedBy is the subject of the root the chain leads to, when it does.
	TrustedBy string
}

// probeRecord collects what the handshake callbacks see.
type probeRecord struct {
	chain     []*x509.Certificate
	requested bool
	cas       [][]byte
}

// Probe performs a real TLS handshake with target (host:port), sending
// serverName as SNI (if empty, target's host), and records the server's
// chain, its verification against the system roots plus opts.Roots, and
// whether and from which CAs the server asks for a client certificate. The
// probe presents no client certificate. It verifies by hand after a
// handshake that skips verification, so a broken chain is recorded instead
// of aborting the probe. It fails only when no certificate was received
// (refused connection, timeout, not TLS).
func Probe(ctx context.Context, target, serverName string, opts ProbeOptions) (*ProbeResult, error) {
	if serverName == "" {
		host, _, err := net.SplitHostPort(target)
		if err != nil {
			return nil, fmt.Errorf("probe %s: %w", target, err)
		}
		serverName = host
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dial := opts.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	raw, err := dial(ctx, "tcp", target)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", target, timedOut(ctx, err, timeout))
	}
	defer raw.Close()

	rec := &probeRecord{}
	conn := tls.Client(raw, &tls.Config{
		ServerName: serverName,
		// Verification happens below, by hand, so that an untrusted,
		// expired or misnamed chain is recorded rather than refused.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			rec.chain = cs.PeerCertificates
			return nil
		},
		GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			rec.requested = true
			rec.cas = cri.AcceptableCAs
			return &tls.Certificate{}, nil // present no certificate
		},
	})
	hsErr := conn.HandshakeContext(ctx)
	if len(rec.chain) == 0 {
		if hsErr == nil {
			hsErr = errors.New("server sent no certificate")
		}
		return nil, fmt.Errorf("probe %s: TLS handshake: %w", target, timedOut(ctx, hsErr, timeout))
	}

	res := &ProbeResult{
		Target:              target,
		ServerName:          serverName,
		Chain:               rec.chain,
		ClientCertRequested: rec.requested,
		AcceptableCAsRaw:    rec.cas,
		AcceptableCAs:       distinguishedNames(rec.cas),
	}
	if hsErr != nil {
		res.HandshakeError = hsErr.Error()
	} else {
		st := conn.ConnectionState()
		res.Version, res.CipherSuite = st.Version, st.CipherSuite
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	res.Verify = VerifyServerChain(rec.chain, serverName, trustPool(opts), opts.Intermediates, now)
	return res, nil
}

// timedOut rewrites err as "no answer within <timeout>" when the probe's
// deadline ended it, keeping context.DeadlineExceeded for errors.Is.
func timedOut(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s: %w", timeout, context.DeadlineExceeded)
	}
	return err
}

func trustPool(opts ProbeOptions) *x509.CertPool {
	var pool *x509.CertPool
	if !opts.NoSystemRoots {
		pool, _ = x509.SystemCertPool() // an error means no system roots: use Roots alone
	}
	if pool == nil {
		pool = x509.NewCertPool()
	}
	for _, r := range opts.Roots {
		pool.AddCert(r)
	}
	return pool
}

// VerifyServerChain verifies a server chain (leaf first) for serverName at
// now against roots, using the chain's own CAs and intermediates for
// chain building. Probe calls it; the gateway's transport can reuse it to
// explain a refused backend.
func VerifyServerChain(chain []*x509.Certificate, serverName string, roots *x509.CertPool, intermediates []*x509.Certificate, now time.Time) Verification {
	var v Verification
	if len(chain) == 0 {
		v.Error = "no certificate"
		return v
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range append(append([]*x509.Certificate(nil), chain[1:]...), intermediates...) {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		DNSName:       serverName,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	chains, err := leaf.Verify(opts)
	if err == nil {
		v.OK = true
		v.TrustedBy = chains[0][len(chains[0])-1].Subject.String()
		return v
	}
	v.Error = err.Error()

	for _, c := range chain {
		expired, notYet, _, _ := Expiry(c, now, 0)
		v.Expired = v.Expired || expired
		v.NotYetValid = v.NotYetValid || notYet
	}
	if serverName != "" && leaf.VerifyHostname(serverName) != nil {
		v.HostnameMismatch = true
	}
	// Trust on its own: ignore the name, and verify at a time the chain is
	// valid so that expiry does not mask the authority.
	opts.DNSName = ""
	if v.Expired || v.NotYetValid {
		opts.CurrentTime = validMoment(chain)
	}
	chains, err = leaf.Verify(opts)
	var unknown x509.UnknownAuthorityError
	switch {
	case err == nil:
		v.TrustedBy = chains[0][len(chains[0])-1].Subject.String()
	case errors.As(err, &unknown):
		v.UnknownAuthority = true
	}
	return v
}

// validMoment returns the middle of the period in which every certificate
// of chain is valid, or of the leaf's validity when there is none.
func validMoment(chain []*x509.Certificate) time.Time {
	lo, hi := chain[0].NotBefore, chain[0].NotAfter
	for _, c := range chain[1:] {
		if c.NotBefore.After(lo) {
			lo = c.NotBefore
		}
		if c.NotAfter.Before(hi) {
			hi = c.NotAfter
		}
	}
	if hi.Before(lo) {
		lo, hi = chain[0].NotBefore, chain[0].NotAfter
	}
	return lo.Add(hi.Sub(lo) / 2)
}

// distinguishedNames renders DER-encoded names in RFC 2253 form.
func distinguishedNames(raw [][]byte) []string {
	var out []string
	for _, der := range raw {
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(der, &rdn); err != nil || len(rest) > 0 {
			out = append(out, fmt.Sprintf("<unparsable name of %d bytes>", len(der)))
			continue
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		out = append(out, n.String())
	}
	return out
}
