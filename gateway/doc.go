// Package gateway is apimlab's embedded Azure API Management gateway: it
// serves an *apim.Service over real HTTP, with the policy pipeline
// (inbound → backend → outbound, on-error), routing to APIs and operations,
// set-backend-service, load-balanced pools (package pool), circuit breakers
// (package breaker), one tuned http.Transport per backend with TLS
// validation flags honoured exactly and client certificates, and admin
// endpoints (health, Prometheus metrics, server-sent breaker events).
//
// Everything is compiled once by New: routes, the effective policy of every
// operation (scopes merged at <base/>, fragments expanded, named values
// substituted, expressions compiled), backends, transports, pools and
// breakers. The request path only runs compiled steps.
//
// # Why not httputil.ReverseProxy
//
// The style guide's model gateway core is httputil.ReverseProxy. The
// pipeline needs the backend's response before anything is written to the
// client: retry evaluates its condition against the response and re-sends
// the request to another pool member, and outbound policies change status,
// headers and body. ReverseProxy commits the response when ServeHTTP
// returns, so the forwarding step is a small RoundTrip-based copy of its
// core instead (hop-by-hop headers, X-Forwarded-*, pooled copy buffers,
// flushing for streamed responses).
//
// # Backend connections
//
// Each backend's http.Transport holds its configuration (dialers through
// hopConn, TLS, idle limits). An HTTP/1.1 call without a streamed request
// body, proxy or connection cap is sent on the calling goroutine by that
// transport's synchronous client (h1client.go: the transport's dialers and
// net/http's own framing, without the hand-offs to per-connection
// goroutines); the others go through the transport itself.
//
// Choices where Azure documents nothing are listed in docs/semantics.md.
package gateway
