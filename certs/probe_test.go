package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTLSServer serves TLS handshakes on 127.0.0.1 until the test ends and
// returns the address. Each connection is handshaken, then closed.
func startTLSServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				if err := c.(*tls.Conn).HandshakeContext(ctx); err != nil {
					return
				}
				// Tell the client it was accepted: under TLS 1.3 the client's
				// handshake ends before the server has checked its certificate.
				_, _ = c.Write([]byte{'A'})
			})
		}
	})
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func serverConfig(is *Issued) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{is.TLSCertificate()}}
}

func probeOpts(p *PKI) ProbeOptions {
	return ProbeOptions{Roots: []*x509.Certificate{p.Root.Cert}, NoSystemRoots: true, Now: testNow, Timeout: 10 * time.Second}
}

func TestProbeMutualTLS(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			cfg := serverConfig(p.Server)
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
			cfg.ClientCAs = p.RootPool()
			cfg.MaxVersion = version
			cfg.Time = func() time.Time { return testNow }
			addr := startTLSServer(t, cfg)

			res, err := Probe(t.Context(), addr, "localhost", probeOpts(p))
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if !res.ClientCertRequested {
				t.Error("ClientCertRequested = false")
			}
			if want := []string{p.Root.Cert.Subject.String()}; !slices.Equal(res.AcceptableCAs, want) {
				t.Errorf("AcceptableCAs = %q, want %q", res.AcceptableCAs, want)
			}
			if !res.Verify.OK || res.Verify.Error != "" || res.Verify.TrustedBy != p.Root.Cert.Subject.String() {
				t.Errorf("Verify = %+v, want OK via the root", res.Verify)
			}
			if len(res.Chain) != 2 || !res.Chain[0].Equal(p.Server.Cert) || !res.Chain[1].Equal(p.Intermediate.Cert) {
				t.Errorf("Chain has %d certificates, want server + intermediate", len(res.Chain))
			}
			if version == tls.VersionTLS12 && res.HandshakeError == "" {
				t.Error("TLS 1.2: HandshakeError empty although the server requires a client certificate")
			}
			if version == tls.VersionTLS13 && res.Version != tls.VersionTLS13 {
				t.Errorf("Version = %s", tls.VersionName(res.Version))
			}

			// A client certificate from CA A is what the server asks for; one
			// from CA B is not, and does not chain to A.
			if !AcceptedBy(p.Client.Material(), res.AcceptableCAsRaw) {
				t.Error("client from CA A not accepted by its name")
			}
			if AcceptedBy(p.ClientWrongCA.Material(), res.AcceptableCAsRaw) {
				t.Error("client from CA B accepted by name")
			}
			if ok, issuer := ChainsTo(p.ClientWrongCA.Cert, nil, []*x509.Certificate{p.Root.Cert}); ok || issuer != p.WrongRoot.Cert.Subject.String() {
				t.Errorf("ChainsTo(client from CA B, CA A) = (%v, %q)", ok, issuer)
			}

			// And the real server agrees: A's client gets through, B's does not.
			if err := mtlsHandshake(t, addr, p, p.Client); err != nil {
				t.Errorf("handshake with client from CA A: %v", err)
			}
			if err := mtlsHandshake(t, addr, p, p.ClientWrongCA); err == nil {
				t.Error("handshake with client from CA B succeeded")
			}
		})
	}
}

// mtlsHandshake connects with client's certificate and reports whether the
// server accepted it: the test server sends one byte after a successful
// handshake, and a TLS alert otherwise (under TLS 1.3 it arrives on the first
// read, after the client's own handshake has finished).
func mtlsHandshake(t *testing.T, addr string, p *PKI, client *Issued) error {
	t.Helper()
	cert := client.TLSCertificate()
	c, err := tls.Dial("tcp", addr, &tls.Config{
		ServerName:   "localhost",
		RootCAs:      p.RootPool(),
		Certificates: []tls.Certificate{cert},
		Time:         func() time.Time { return testNow },
	})
	if err != nil {
		return err
	}
	defer c.Close()
	// A bound, not a wait: the server answers at once either way.
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	b := make([]byte, 1)
	n, err := c.Read(b) // may return the byte together with io.EOF
	if n == 1 && b[0] == 'A' {
		return nil
	}
	if err == nil {
		err = errors.New("unexpected answer")
	}
	return err
}

func TestProbeServerProblems(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	tests := []struct {
		name       string
		server     *Issued
		serverName string
		want       Verification // Error is checked for non-emptiness only
	}{
		{"valid", p.Server, "localhost", Verification{OK: true, TrustedBy: p.Root.Cert.Subject.String()}},
		{"valid by IP", p.Server, "127.0.0.1", Verification{OK: true, TrustedBy: p.Root.Cert.Subject.String()}},
		{"self-signed", p.ServerSelfSigned, "localhost", Verification{UnknownAuthority: true}},
		{"host name mismatch", p.Server, "api.contoso.example", Verification{HostnameMismatch: true, TrustedBy: p.Root.Cert.Subject.String()}},
		{"expired", p.ServerExpired, "localhost", Verification{Expired: true, TrustedBy: p.Root.Cert.Subject.String()}},
		{"self-signed, wrong name", p.ServerSelfSigned, "other.example", Verification{UnknownAuthority: true, HostnameMismatch: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startTLSServer(t, serverConfig(tt.server))
			res, err := Probe(t.Context(), addr, tt.serverName, probeOpts(p))
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			got := res.Verify
			if (got.Error == "") != got.OK {
				t.Errorf("OK %v with Error %q", got.OK, got.Error)
			}
			got.Error = ""
			if got != tt.want {
				t.Errorf("Verify = %+v, want %+v", got, tt.want)
			}
			if res.ClientCertRequested || len(res.AcceptableCAs) > 0 || res.HandshakeError != "" {
				t.Errorf("client certificate requested by a plain TLS server: %+v", res)
			}
			if res.ServerName != tt.serverName || res.Target != addr {
				t.Errorf("ServerName %q Target %q", res.ServerName, res.Target)
			}
		})
	}
}

func TestProbeDefaultsAndFailures(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	addr := startTLSServer(t, serverConfig(p.Server))

	// No server name: the target's host is used.
	res, err := Probe(t.Context(), addr, "", probeOpts(p))
	if err != nil {
		t.Fatal(err)
	}
	if res.ServerName != "127.0.0.1" || !res.Verify.OK {
		t.Errorf("ServerName %q, Verify %+v", res.ServerName, res.Verify)
	}

	// The system roots alone do not trust the test root.
	opts := probeOpts(p)
	opts.Roots, opts.NoSystemRoots = nil, false
	res, err = Probe(t.Context(), addr, "localhost", opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verify.UnknownAuthority {
		t.Errorf("system roots trust the test PKI: %+v", res.Verify)
	}

	// Nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if _, err := Probe(t.Context(), closed, "localhost", probeOpts(p)); err == nil || !strings.Contains(err.Error(), closed) {
		t.Errorf("probe of a closed port: err = %v", err)
	}

	// A plain TCP server that never answers: the timeout bounds the probe.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	defer func() {
		silent.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	}()
	opts = probeOpts(p)
	opts.Timeout = 50 * time.Millisecond
	if _, err := Probe(t.Context(), silent.Addr().String(), "localhost", opts); !errors.Is(err, context.DeadlineExceeded) ||
		!strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("probe of a silent server: err = %v, want deadline exceeded, saying the timeout", err)
	}

	if _, err := Probe(t.Context(), "no-port", "", probeOpts(p)); err == nil {
		t.Error("target without port: no error")
	}
}

func TestProbeAll(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	good := startTLSServer(t, serverConfig(p.Server))
	selfSigned := startTLSServer(t, serverConfig(p.ServerSelfSigned))

	const limit = 2
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	reached := make(chan struct{}) // closed once limit probes are in flight together
	var once sync.Once
	opts := probeOpts(p)
	opts.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		if inFlight == limit {
			once.Do(func() { close(reached) })
		}
		mu.Unlock()
		// Hold the first probes until limit of them run at once, proving
		// that ProbeAll runs them in parallel.
		select {
		case <-reached:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: c, done: func() { mu.Lock(); inFlight--; mu.Unlock() }}, nil
	}
	var targets []ProbeTarget
	for i := range 6 {
		addr := good
		if i%3 == 2 {
			addr = selfSigned
		}
		targets = append(targets, ProbeTarget{Addr: addr, ServerName: "localhost", Options: opts})
	}
	out := ProbeAll(t.Context(), targets, limit)
	if len(out) != len(targets) {
		t.Fatalf("%d outcomes for %d targets", len(out), len(targets))
	}
	for i, o := range out {
		if o.Err != nil {
			t.Fatalf("target %d: %v", i, o.Err)
		}
		if o.Target.Addr != targets[i].Addr || o.Result.Target != targets[i].Addr {
			t.Errorf("outcome %d is for %s, want %s", i, o.Result.Target, targets[i].Addr)
		}
		if want := targets[i].Addr == good; o.Result.Verify.OK != want {
			t.Errorf("target %d: OK = %v, want %v", i, o.Result.Verify.OK, want)
		}
	}
	if maxInFlight != limit {
		t.Errorf("max probes in flight = %d, want %d", maxInFlight, limit)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for i, o := range ProbeAll(ctx, targets, 0) {
		if !errors.Is(o.Err, context.Canceled) {
			t.Errorf("cancelled ProbeAll, target %d: err = %v", i, o.Err)
		}
	}
}

// countedConn calls done once when closed.
type countedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}
