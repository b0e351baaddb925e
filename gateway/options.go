package gateway

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
)

// DefaultManagedIdentityToken is the bearer token authentication-managed-identity
// and credentials.managedIdentity send when Options.ManagedIdentityToken is "".
const DefaultManagedIdentityToken = "apimlab-fake-managed-identity-token"

// Debug header names (canonical form, so setting them costs no
// canonicalisation on the request path).
const (
	// HeaderBackend names the backend that served the response, or "none".
	HeaderBackend = "X-Apimlab-Backend"
	// HeaderReason is the LastError reason of a gateway-generated error.
	HeaderReason = "X-Apimlab-Reason"
)

// Options configure New. The zero value is usable.
type Options struct {
	// Clock is the gateway's only source of time: breakers, pools'
	// member availability, context.Timestamp and context.Elapsed, latency
	// metrics, forward-request timeouts, retry waits and the bounded drain
	// of dropped backend bodies. If nil, clock.Real. The simulator passes a
	// scaled or virtual clock, tests a clock.Virtual.
	Clock clock.Clock
	// DialContext, if non-nil, replaces net.Dialer.DialContext in every
	// backend transport. The simulator maps configured backend hosts to
	// its fake listeners this way, so TLS names still match.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger receives start-up notes (skipped unemulated policies) and
	// breaker transitions. If nil, logs are discarded.
	Logger *slog.Logger
	// NoDebugHeaders switches off the x-apimlab-backend and
	// x-apimlab-reason response headers (on by default).
	NoDebugHeaders bool
	// ManagedIdentityToken is the fake bearer token of managed identity
	// authentication. If "", DefaultManagedIdentityToken.
	ManagedIdentityToken string
	// AuthorizationToken is the fake access token get-authorization-context
	// stores for every connection (no credential provider is called). If
	// "", DefaultAuthorizationToken.
	AuthorizationToken string
	// Region is context.Deployment.Region.
	Region string
	// InstanceID is context.Deployment.Gateway.InstanceId; NewInstances
	// numbers instances when it is "".
	InstanceID string
	// CAFiles are PEM files of extra CA certificates trusted for backend
	// TLS, on top of the system pool and the service CA store.
	CAFiles []string
	// OpenIDConfigDir, when set, is a directory of local copies of OpenID
	// configuration documents and their JSON Web Key Sets: validate-jwt's
	// <openid-config url> and validate-azure-ad-token's tenant configuration
	// are read from it (https://HOST/PATH is the file OpenIDConfigDir/HOST/PATH,
	// the document's jwks_uri likewise), never from the network. Empty: a
	// policy that needs one is refused at load, naming its position.
	OpenIDConfigDir string
	// BreakerModel is what a breaker does after its trip duration; the
	// zero value is breaker.ModelReset, Azure's documented behaviour (the
	// circuit resets and traffic resumes); breaker.ModelHalfOpen admits one
	// trial request first. /health and every event name the model.
	BreakerModel breaker.Model
	// TransportErrors says when a connection or TLS failure or a
	// forward-request timeout counts against a breaker: always (the zero
	// value, breaker.TransportAlways) or only when its error reason is
	// listed in the rule's errorReasons (breaker.TransportListed). Azure
	// does not document it; /health names the setting.
	TransportErrors breaker.TransportErrors
	// MinRequests is the minimum number of requests before a percentage
	// breaker condition is evaluated. 0 means breaker.DefaultMinRequests.
	MinRequests int
	// AllowUnemulated, when true, skips unknown and unemulated policy
	// elements (logging each name once) instead of failing New.
	AllowUnemulated bool
	// Expressions compiles policy expressions. If nil, apim/policyexpr.
	Expressions ExprCompiler
	// OnTransition, if non-nil, is called for every circuit breaker
	// transition of this gateway, after its metrics, /health and /events
	// have been updated. It runs outside the breaker's lock (on the
	// request path, so it should be quick) and may call back into the
	// gateway (Health, for one).
	OnTransition func(breaker.Event)
	// OnAttempt, if non-nil, is called after every attempt the gateway
	// sends to a backend (retries and pool members included), on the
	// request path: it should be quick.
	OnAttempt func(Attempt)
	// Seed makes policy expressions reproducible: request n (counted from
	// 1 in arrival order) draws context.RequestId, new Random() and
	// Guid.NewGuid() from a generator seeded with (Seed, n). If 0, New
	// picks a random seed, so runs differ.
	Seed uint64
	// MaxBodyBytes bounds how much of a request or response body a policy
	// expression may read (context.Request.Body, context.Response.Body);
	// a larger body fails the expression. 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// PreserveBodies keeps request and response bodies where Azure loses
	// them: every retry attempt resends the request body (as if each
	// forward-request had buffer-request-body="true"), and a policy
	// expression's read of context.Request.Body or context.Response.Body
	// keeps the body (as if it passed preserveContent: true). False, the
	// default, is Azure's behaviour: without buffer-request-body="true" a
	// retried attempt goes out with an empty body, and a read without
	// preserveContent: true empties the body (docs/semantics.md, "Bodies").
	PreserveBodies bool
	// TrustedProxies are the peers whose X-Forwarded-For the gateway
	// believes. context.Request.IpAddress is the TCP peer's address unless
	// the peer is in one of these prefixes; then it is the right-most
	// X-Forwarded-For hop that is not itself trusted (the left-most hop
	// when all are). If nil, no peer is trusted: a client cannot choose its
	// IpAddress with a header.
	TrustedProxies []netip.Prefix
	// MaxConnsPerBackend caps the connections the gateway opens to each
	// backend host (http.Transport.MaxConnsPerHost). An attempt that waits
	// for a free connection longer than forward-request's timeout ends
	// with GatewayResourceExhausted, not counted against the backend.
	// 0 means no cap.
	MaxConnsPerBackend int
	// RetryAfter is the Retry-After of the gateway's own 503s (overload,
	// resource exhaustion), rounded up to whole seconds. 0 means
	// DefaultRetryAfter.
	RetryAfter time.Duration
}

// DefaultRetryAfter is Options.RetryAfter when 0.
const DefaultRetryAfter = time.Second

// DefaultMaxBodyBytes is the body size policy expressions may read when
// Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 4 << 20

// ExprCompiler compiles one policy expression (src without its @( ) or
// @{ } delimiters; block is true for @{ }) whose '@' is at pos.
type ExprCompiler func(src string, block bool, pos apim.Position) (Evaluator, error)

// Evaluator is a compiled policy expression.
type Evaluator interface {
	Run(ctx *policyexpr.Context) (any, error)
}

func (o Options) withDefaults() Options {
	o.Clock = clock.Or(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ManagedIdentityToken == "" {
		o.ManagedIdentityToken = DefaultManagedIdentityToken
	}
	if o.AuthorizationToken == "" {
		o.AuthorizationToken = DefaultAuthorizationToken
	}
	if o.Expressions == nil {
		o.Expressions = compilePolicyExpr
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.Seed == 0 {
		o.Seed = rand.Uint64() | 1
	}
	return o
}
