package policyexpr

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// Context is the typed runtime context a policy expression reads as the
// implicit C# `context` variable. The gateway fills one per request; every
// field is a plain value or a map the gateway already holds (http.Header,
// the raw query string), so filling it costs no parsing or copying. Zero
// values are what APIM would show for an absent part (no product → empty
// Product, no response yet → StatusCode 0).
type Context struct {
	Request      Request
	Response     Response
	Variables    map[string]any // context.Variables; nil means no variables
	Deployment   Deployment
	LastError    LastError
	Api          Api
	Operation    Operation
	Product      Product
	Subscription Subscription
	User         User
	RequestId    string        // context.RequestId (a Guid in APIM), in "D" format
	Elapsed      time.Duration // context.Elapsed: time since the request arrived
	Timestamp    time.Time     // context.Timestamp: when the request arrived
	Tracing      bool          // context.Tracing

	// Now is the clock behind DateTime.UtcNow and DateTime.Now. If nil,
	// time.Now is used. The simulator injects its scaled or virtual clock.
	Now func() time.Time `expr:"-"`
	// Rand draws the numbers of new Random().Next(…) and Guid.NewGuid(). If
	// nil, the math/rand/v2 global source is used (not reproducible). A
	// *rand.Rand is not safe for concurrent use: give each concurrently
	// running Context its own, or a Source that is.
	Rand *rand.Rand `expr:"-"`
}

// Request is context.Request.
type Request struct {
	Method      string
	Url         Url         // context.Request.Url: the URL sent to the backend
	OriginalUrl Url         // context.Request.OriginalUrl: the URL the client sent
	Headers     http.Header // matched case-insensitively; multiple values join with ","
	IpAddress   string
	// MatchedParameters holds the URL template parameters of the matched
	// operation (context.Request.MatchedParameters).
	MatchedParameters map[string]string
	// Certificate is context.Request.Certificate: the client certificate
	// of the TLS handshake, nil when none was presented.
	Certificate *ClientCertificate

	// Body returns the request body for context.Request.Body.As<string>().
	// It is called only when an expression reads the body; nil means an
	// empty body. The gateway should cache the result.
	Body func() (string, error) `expr:"-"`
	// Consume, if non-nil, is called after a successful Body read made
	// without preserveContent: true (As<T>(), As<T>(false),
	// AsFormUrlEncodedContent()). Learn, "Set body": "By default when you
	// access the message body using context.Request.Body or
	// context.Response.Body, the original message body is lost"; the
	// gateway drops it there.
	Consume func() `expr:"-"`
}

// Response is context.Response.
type Response struct {
	StatusCode   int
	StatusReason string
	Headers      http.Header
	// Body returns the response body for context.Response.Body.As<string>();
	// nil means an empty body.
	Body func() (string, error) `expr:"-"`
	// Consume is Request.Consume for the response body.
	Consume func() `expr:"-"`
}

// Url is APIM's IUrl. Query and QueryString are derived from RawQuery on
// demand, so the gateway passes r.URL.RawQuery without parsing it.
type Url struct {
	Scheme   string
	Host     string
	Port     int
	Path     string // starts with "/"
	RawQuery string // the query without its leading "?"
}

// Deployment is context.Deployment.
type Deployment struct {
	Region      string
	ServiceName string
	ServiceId   string
	GatewayId   string // "managed" for the managed gateway
	Gateway     Gateway
	// Certificates is context.Deployment.Certificates: the service's
	// certificate entities by id (interpreter only).
	Certificates map[string]*ClientCertificate
}

// Gateway is context.Deployment.Gateway.
type Gateway struct {
	Id         string
	InstanceId string
	IsManaged  bool
}

// LastError is context.LastError, set when the pipeline enters on-error.
type LastError struct {
	Source   string
	Reason   string
	Message  string
	Scope    string
	Section  string
	Path     string
	PolicyId string
}

// Api is context.Api.
type Api struct {
	Id                string
	Name              string
	Path              string
	Version           string
	Revision          string
	IsCurrentRevision bool
	// ServiceUrl is context.Api.ServiceUrl, the API's backend URL; its zero
	// value is an empty URL.
	ServiceUrl Url
}

// Operation is context.Operation.
type Operation struct {
	Id          string
	Name        string
	Method      string
	UrlTemplate string
}

// Product is context.Product (empty when the request has no product).
type Product struct {
	Id   string
	Name string
}

// Subscription is context.Subscription. Keys are deliberately absent:
// expressions reading them are rejected, so a policy cannot leak a secret
// through the emulator.
type Subscription struct {
	Id   string
	Name string
}

// User is context.User (empty for anonymous requests).
type User struct {
	Id        string
	Email     string
	FirstName string
	LastName  string
}

// now returns the context's clock reading in UTC.
func (c *Context) now() time.Time {
	if c != nil && c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// intN returns a uniform int in [0, n); n must be > 0.
func (c *Context) intN(n int) int {
	if c != nil && c.Rand != nil {
		return c.Rand.IntN(n)
	}
	return rand.IntN(n)
}

// uint64 returns 64 random bits.
func (c *Context) uint64() uint64 {
	if c != nil && c.Rand != nil {
		return c.Rand.Uint64()
	}
	return rand.Uint64()
}

// float64 returns a uniform float in [0, 1).
func (c *Context) float64() float64 {
	if c != nil && c.Rand != nil {
		return c.Rand.Float64()
	}
	return rand.Float64()
}
