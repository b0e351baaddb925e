// Package probe runs `apimlab lint --probe`: a real TLS handshake with every
// HTTPS Single backend of a service (certs.ProbeAll: bounded timeout and
// concurrency), recording per backend the server chain and its
// verification, and the client CAs the server asks for. The results are
// attached to the lint configuration (Attach) and read by the rules that
// need live trust data: APIM304 cert-ca-mismatch (the CAs the backend
// accepts client certificates from) and APIM313 server-cert-untrusted (the
// gateway's validation of the server certificate). Their findings say
// "(probe)".
package probe

import (
	"context"
	"crypto/x509"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
)

// Options configure Run. The zero value probes with the certs package's
// defaults (10 s per backend, 4 at a time) and trusts the system roots plus
// the service's CA store.
type Options struct {
	// Timeout bounds each backend's dial and handshake. If zero,
	// certs.DefaultProbeTimeout.
	Timeout time.Duration
	// Concurrency is the number of probes in flight. If < 1,
	// certs.DefaultProbeConcurrency.
	Concurrency int
	// Now is the time server chains are verified at. If zero, time.Now().
	Now time.Time
	// Roots are extra trust anchors (a private CA given on the command
	// line), besides the system roots and the service CA store's Root
	// entries (which APIM trusts too).
	Roots []*x509.Certificate
	// NoSystemRoots trusts only Roots and the CA store (hermetic tests).
	NoSystemRoots bool
	// Dial opens connections. If nil, a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Backend is what probing one backend found.
type Backend struct {
	// Name is the backend id.
	Name string
	// URL is the backend URL probed.
	URL string
	// Pos is where the URL is written; probe findings point at it.
	Pos apim.Position
	// Addr is the host:port dialled; ServerName the SNI and verified name.
	Addr, ServerName string
	// Result is the handshake's outcome; nil when Err is set.
	Result *certs.ProbeResult
	// Err is why the backend could not be probed (refused, timeout, not TLS).
	Err error
}

// Results are the probes of one service.
type Results struct {
	// Backends in service order.
	Backends []*Backend
}

// For returns the probe of the named backend (case-insensitive), or nil
// when it was not probed.
func (r *Results) For(name string) *Backend {
	if r == nil {
		return nil
	}
	for _, b := range r.Backends {
		if strings.EqualFold(b.Name, name) {
			return b
		}
	}
	return nil
}

// Targets lists the backends Run probes: Single backends whose URL is known
// and https, with the address and server name derived from the URL (port
// 443 when absent), in service order.
func Targets(svc *apim.Service) []*Backend {
	if svc == nil {
		return nil
	}
	var out []*Backend
	for _, b := range svc.Backends {
		if b == nil || b.IsPool() || b.Type.Unknown() != "" || !b.URL.Known() {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(b.URL.Value))
		if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Hostname() == "" {
			continue
		}
		port := u.Port()
		if port == "" {
			port = "443"
		}
		out = append(out, &Backend{Name: b.Name, URL: b.URL.Value, Pos: b.URL.At(b.Pos),
			Addr: net.JoinHostPort(u.Hostname(), port), ServerName: u.Hostname()})
	}
	return out
}

// Run probes every target of svc (see Targets) and returns the results.
// Cancelling ctx stops probes not yet started; they record ctx's error.
func Run(ctx context.Context, svc *apim.Service, opts Options) *Results {
	targets := Targets(svc)
	roots, intermediates := certmat.CAStore(svc)
	po := certs.ProbeOptions{
		Roots:         append(append([]*x509.Certificate(nil), opts.Roots...), roots...),
		Intermediates: intermediates,
		NoSystemRoots: opts.NoSystemRoots,
		Timeout:       opts.Timeout,
		Now:           opts.Now,
		Dial:          opts.Dial,
	}
	pts := make([]certs.ProbeTarget, len(targets))
	for i, t := range targets {
		pts[i] = certs.ProbeTarget{Addr: t.Addr, ServerName: t.ServerName, Options: po}
	}
	for i, o := range certs.ProbeAll(ctx, pts, opts.Concurrency) {
		targets[i].Result, targets[i].Err = o.Result, o.Err
	}
	return &Results{Backends: targets}
}

// Input is the results of `lint --probe` for a run: nil when lint runs
// without it. Rules list it in Requires and read it with For.
var Input = &lint.Input[*Results]{Name: "TLS probe results"}

// Attach hands r to the rules of the runs with cfg.
func Attach(cfg *lint.Config, r *Results) {
	lint.Provide(cfg, Input, r)
}

// For returns the probe results of the pass's run, or nil when lint runs
// without --probe (the rule must list Input in its Requires).
func For(pass *lint.Pass) *Results {
	return lint.Get(pass, Input)
}
