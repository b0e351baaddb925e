package model

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/sim"
)

// attemptKind is what happened to one backend attempt.
type attemptKind uint8

const (
	// gotResponse: the backend answered with a status code.
	gotResponse attemptKind = iota
	// gotTransport: no response (refused, reset, TLS handshake failure):
	// BackendConnectionFailure, 500 from the gateway.
	gotTransport
	// gotTimeout: forward-request's timeout elapsed first: Timeout, 504.
	gotTimeout
)

// attempt is the drawn outcome of one backend attempt.
type attempt struct {
	kind   attemptKind
	status int
	// retryAfter is the Retry-After header value ("" when none).
	retryAfter string
	// latency is how long the attempt took (until the response headers,
	// the transport error or the timeout).
	latency time.Duration
	// extra is client-side time after the headers (slow-body).
	extra time.Duration
	// truncated: the body broke off mid-way (the client gets no complete
	// response although the breaker saw a success).
	truncated bool
}

// fake is the model of one backend entity's fake: its base latency and
// its fault timeline, with the same semantics as the live engine's fakes
// (docs/semantics.md, "Model engine"):
//
//   - refuse: every attempt fails at once with a transport error;
//   - tls-fail, reset: a share Rate of attempts fails at once with a
//     transport error;
//   - timeout: a share of attempts never answers; the gateway gives up
//     after forward-request's timeout;
//   - status: a share answers Code (with Retry-After when set) after the
//     base latency;
//   - latency: a share takes Add + U(0, Jitter) longer; an attempt slower
//     than forward-request's timeout is a timeout;
//   - slow-body: a share sends its headers on time and its body at
//     BytesPerSecond (the breaker sees a success; clients wait
//     BodySize/BytesPerSecond longer);
//   - truncate: a share breaks its body off mid-way (the breaker sees the
//     status; the client gets no complete response).
//
// Faults of different kinds may overlap; each draws independently and the
// first of refuse, tls-fail, reset, timeout, status decides the outcome,
// latency adding to it.
type fake struct {
	name    string
	latency sim.Latency
	body    int
	faults  []fault
	// handshake, when set, fails every TLS handshake: the fake presents a
	// certificate the backend's TLS settings reject, or demands a client
	// certificate from the scenario's test CA (which no configured
	// certificate is issued by).
	handshake string
}

// fault is one compiled timeline entry.
type fault struct {
	kind     faultKind
	from, to time.Duration
	rate     float64
	code     int
	ra       string
	add      time.Duration
	jitter   time.Duration
	bps      int
}

// faultKind is a fault kind; the decisive kinds are numbered in
// precedence order (refuse first), so a draw keeps the lowest that hits.
type faultKind uint8

const (
	kRefuse faultKind = iota
	kTLSFail
	kReset
	kTimeout
	kStatus
	kLatency
	kSlowBody
	kTruncate
	kNone
)

var faultKinds = map[string]faultKind{
	sim.FaultRefuse: kRefuse, sim.FaultTLSFail: kTLSFail, sim.FaultReset: kReset, sim.FaultTimeout: kTimeout,
	sim.FaultStatus: kStatus, sim.FaultLatency: kLatency, sim.FaultSlowBody: kSlowBody, sim.FaultTruncate: kTruncate,
}

// defaultBodySize is the size of the small JSON document a healthy fake
// answers with when BodySize is 0 (for slow-body).
const defaultBodySize = 64

func newFake(ent *apim.Backend, spec *sim.BackendSpec, end time.Duration) *fake {
	f := &fake{name: ent.Name, body: defaultBodySize}
	if spec == nil {
		return f
	}
	f.handshake = handshakeFailure(ent, spec)
	f.latency = spec.Latency
	if spec.BodySize > 0 {
		f.body = spec.BodySize
	}
	for _, x := range spec.Faults {
		if x == nil {
			continue
		}
		to := x.To.D()
		if to == 0 {
			to = end
		}
		k, ok := faultKinds[x.Kind]
		if !ok {
			continue // sim.Parse rejects unknown kinds
		}
		c := fault{kind: k, from: x.From.D(), to: to, rate: x.Share(), code: x.Code,
			add: x.Add.D(), jitter: x.Jitter.D(), bps: x.BytesPerSecond}
		if x.RetryAfter > 0 {
			c.ra = strconv.FormatInt(int64(x.RetryAfter.D()/time.Second), 10)
		}
		if c.bps <= 0 {
			c.bps = sim.DefaultSlowBodyBPS
		}
		f.faults = append(f.faults, c)
	}
	return f
}

// hit draws whether an active fault applies to this attempt (no draw at
// rate 0 or 1).
func (c *fault) hit(rng *rand.Rand) bool {
	return c.rate >= 1 || (c.rate > 0 && rng.Float64() < c.rate)
}

// draw returns the outcome of an attempt that starts at scenario time t,
// given forward-request's timeout. A nil fake (an ad hoc URL) answers 200
// at once. One pass over the timeline: every fault active at t draws
// independently; of the decisive kinds that hit, the first in precedence
// order decides, and latency, slow-body and truncate add to the outcome.
func (f *fake) draw(t, timeout time.Duration, rng *rand.Rand) attempt {
	a := attempt{kind: gotResponse, status: 200}
	if f == nil {
		return timed(a, timeout)
	}
	if f.handshake != "" {
		return attempt{kind: gotTransport}
	}
	if !f.latency.IsZero() {
		a.latency = f.latency.Draw(rng.Float64(), rng.Float64())
	}
	decided := kNone
	var status *fault
	for i := range f.faults {
		c := &f.faults[i]
		if t < c.from || t >= c.to || !c.hit(rng) {
			continue
		}
		switch c.kind {
		case kLatency:
			a.latency += c.add
			if c.jitter > 0 {
				a.latency += time.Duration(rng.Float64() * float64(c.jitter))
			}
		case kSlowBody:
			a.extra += time.Duration(float64(f.body) / float64(c.bps) * float64(time.Second))
		case kTruncate:
			a.truncated = true
		default:
			if c.kind < decided {
				decided = c.kind
				if c.kind == kStatus {
					status = c
				}
			}
		}
	}
	switch decided {
	case kRefuse, kTLSFail, kReset:
		return attempt{kind: gotTransport}
	case kTimeout:
		return attempt{kind: gotTimeout, latency: max(timeout, 0)}
	case kStatus:
		a.status, a.retryAfter = status.code, status.ra
	}
	return timed(a, timeout)
}

// timed turns an attempt slower than the timeout into a timeout.
func timed(a attempt, timeout time.Duration) attempt {
	if timeout <= 0 {
		// timeout="0": the gateway does not wait for the headers.
		return attempt{kind: gotTimeout}
	}
	if a.latency > timeout {
		return attempt{kind: gotTimeout, latency: timeout}
	}
	return a
}

// isHTTPS reports whether a backend's URL is https (its fake speaks TLS).
func isHTTPS(ent *apim.Backend) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(ent.URL.Value)), "https://")
}

// handshakeFailure says why every TLS handshake with the fake fails, ""
// when it succeeds, as the live engine's fakes and the gateway's TLS
// validation decide it: the fake's certificate is valid for the host and
// issued by the scenario's test CA (which the gateway trusts) unless the
// scenario says "expired", "self-signed", "untrusted-ca" (chain
// validation fails) or "wrong-host" (name validation fails); the
// backend's tls.validateCertificateChain/Name switch those checks off. A
// fake that requires a client certificate wants one issued by the
// scenario's test CA, and configured certificates never are.
func handshakeFailure(ent *apim.Backend, spec *sim.BackendSpec) string {
	if !isHTTPS(ent) {
		return ""
	}
	switch spec.TLS {
	case "expired", "self-signed", "untrusted-ca":
		if ent.TLS.ValidatesChain() {
			return spec.TLS + " certificate: chain validation fails"
		}
	case "wrong-host":
		if ent.TLS.ValidatesName() {
			return "certificate for another host: name validation fails"
		}
	}
	if spec.RequireClientCert {
		return "the backend requires a client certificate from the scenario's test CA"
	}
	return ""
}

// checkTLS rejects TLS settings on plain-http backends, as the live engine
// does.
func checkTLS(sc *sim.Scenario, ent *apim.Backend, name string, spec *sim.BackendSpec) error {
	if spec == nil || isHTTPS(ent) {
		return nil
	}
	for _, ft := range spec.Faults {
		if ft != nil && ft.Kind == sim.FaultTLSFail {
			return fmt.Errorf("%w: %s: tls-fail on %q, whose URL is plain http", sim.ErrScenario, sc.At("$.backends."+name), name)
		}
	}
	if spec.TLS != "" || spec.RequireClientCert {
		return fmt.Errorf("%w: %s: tls settings on %q, whose URL is plain http", sim.ErrScenario, sc.At("$.backends."+name), name)
	}
	return nil
}
