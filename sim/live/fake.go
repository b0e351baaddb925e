package live

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// ErrNoFake is returned by the gateway's dialer for an address that no
// configured backend uses: the rehearsal never reaches the real network.
var ErrNoFake = errors.New("no fake backend for this address")

// fake is a fake backend: a real HTTP or HTTPS server on a loopback
// listener that stands in for every backend whose URL has its host and
// port.
type fake struct {
	// Name is the first backend that uses the fake ("orders-eastus"), or
	// the host of an API serviceUrl that no backend uses.
	Name string
	// Backends are the names of the backends served by this fake.
	Backends []string
	// Target is the configured host:port (lower-case) the gateway dials.
	Target string
	// Host is the configured host name (for the TLS certificate).
	Host string
	// TLS reports whether the fake serves HTTPS.
	TLS bool
	// Addr is the loopback address the fake listens on, set by start.
	Addr string

	srv      *http.Server
	handler  atomic.Pointer[http.Handler]
	healthy  http.Handler
	attempts atomic.Int64
}

// ServeHTTP counts the attempt and serves it with the current handler.
func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.attempts.Add(1)
	(*f.handler.Load()).ServeHTTP(w, r)
}

// setFault makes the fake answer through fault (nil: healthy).
func (f *fake) setFault(fault Fault) {
	h := f.healthy
	if fault != nil {
		h = fault.Wrap(f.healthy)
	}
	f.handler.Store(&h)
}

// healthyHandler answers 200 with a small JSON document naming the fake.
func healthyHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"backend": name, "path": r.URL.Path})
	})
}

// planFakes returns one fake per distinct host:port among the service's
// Single backends and API serviceUrls, in declaration order, and the
// backend name (lower-case) → fake index.
func planFakes(svc *apim.Service) ([]*fake, map[string]int) {
	var fakes []*fake
	byTarget := map[string]int{}
	byBackend := map[string]int{}
	add := func(name, raw string) (int, bool) {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return 0, false
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		host := strings.ToLower(u.Hostname())
		target := net.JoinHostPort(host, port)
		if i, ok := byTarget[target]; ok {
			return i, true
		}
		f := &fake{Name: name, Target: target, Host: host, TLS: u.Scheme == "https"}
		byTarget[target] = len(fakes)
		fakes = append(fakes, f)
		return len(fakes) - 1, true
	}
	for _, b := range svc.Backends {
		if b.IsPool() || !b.URL.Known() {
			continue
		}
		if i, ok := add(b.Name, b.URL.Value); ok {
			fakes[i].Backends = append(fakes[i].Backends, b.Name)
			byBackend[strings.ToLower(b.Name)] = i
		}
	}
	for _, a := range svc.APIs {
		if a.ServiceURL.Known() {
			if u, err := url.Parse(strings.TrimSpace(a.ServiceURL.Value)); err == nil {
				add(u.Hostname(), a.ServiceURL.Value)
			}
		}
	}
	return fakes, byBackend
}

// start listens on a loopback port and serves (HTTPS with cert when f.TLS).
func (f *fake) start(cert *tls.Certificate) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fake backend %s: %w", f.Name, err)
	}
	f.Addr = ln.Addr().String()
	f.healthy = healthyHandler(f.Name)
	f.setFault(nil)
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	if f.TLS {
		if cert == nil {
			_ = ln.Close()
			return fmt.Errorf("fake backend %s: HTTPS needs a certificate", f.Name)
		}
		f.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
		go func() { _ = f.srv.ServeTLS(ln, "", "") }()
		return nil
	}
	go func() { _ = f.srv.Serve(ln) }()
	return nil
}

// close stops the fake and its connections.
func (f *fake) close() {
	if f.srv != nil {
		_ = f.srv.Close()
	}
}

// dialer returns the gateway's DialContext: configured backend addresses
// go to their fakes, everything else fails with ErrNoFake.
func dialer(fakes []*fake) func(ctx context.Context, network, addr string) (net.Conn, error) {
	routes := make(map[string]string, len(fakes))
	for _, f := range fakes {
		routes[f.Target] = f.Addr
	}
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := routes[strings.ToLower(addr)]
		if !ok {
			return nil, fmt.Errorf("dial %s: %w", addr, ErrNoFake)
		}
		return d.DialContext(ctx, network, to)
	}
}

// tlsHosts returns the sorted host names of the HTTPS fakes.
func tlsHosts(fakes []*fake) []string {
	var hosts []string
	for _, f := range fakes {
		if f.TLS && !slices.Contains(hosts, f.Host) {
			hosts = append(hosts, f.Host)
		}
	}
	slices.Sort(hosts)
	return hosts
}
