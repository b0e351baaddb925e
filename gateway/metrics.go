package gateway

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are one Gateway's Prometheus collectors, in its own registry (no
// global registry: two gateways in one process must not mix counts).
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	state       *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	retries     prometheus.Counter
	// clientErrors counts requests the client broke (by reason),
	// overload the gateway's own limits and shortages (by limit).
	clientErrors *prometheus.CounterVec
	overload     *prometheus.CounterVec
	// load is the serving state /health reports (set by a Server).
	load loadState

	// all holds the collectors by backend label (string →
	// *backendMetrics): read without a lock on every request; mu
	// serialises additions, so adhoc counts exactly.
	all   sync.Map
	mu    sync.Mutex
	adhoc int // label values added by requests (ad hoc base-url hosts)
}

// maxAdhocLabels bounds the backend label values requests may add beyond
// the configured backends: a base-url computed from request data (a
// header, a path segment) must not grow /metrics without end. Further hosts
// are counted under otherLabel.
const maxAdhocLabels = 100

// otherLabel is the backend label of ad hoc hosts beyond maxAdhocLabels.
const otherLabel = "other"

// backendMetrics caches one backend's label-resolved collectors, so the
// request path does no label hashing for common status codes.
type backendMetrics struct {
	m       *metrics
	name    string
	latency prometheus.Observer
	codes   sync.Map // int → prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apimlab_gateway_requests_total",
			Help: "Requests answered, by the backend that served them (none for gateway answers) and status code.",
		}, []string{"backend", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apimlab_gateway_request_duration_seconds",
			Help:    "Time from request arrival to the end of the response, by backend.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"backend"}),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "apimlab_gateway_breaker_state",
			Help: "Circuit breaker state by backend: 0 closed, 1 open, 2 half-open.",
		}, []string{"backend"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apimlab_gateway_breaker_transitions_total",
			Help: "Circuit breaker transitions by backend, from and to state.",
		}, []string{"backend", "from", "to"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "apimlab_gateway_retries_total",
			Help: "Retry attempts made by retry policies.",
		}),
		clientErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apimlab_gateway_client_errors_total",
			Help: "Requests that failed because of the client, by LastError reason (ClientConnectionFailure, ClientRequestBodyFailure, ClientRequestTimeout); never counted against a backend.",
		}, []string{"reason"}),
		overload: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apimlab_gateway_overload_total",
			Help: "Requests or connections the gateway turned away or failed for lack of its own resources, by limit: requests (max concurrent requests, 503 GatewayOverloaded), connections (max client connections: accept waited), resources (file descriptors, ports, backend connection slots: 503 GatewayResourceExhausted).",
		}, []string{"limit"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.state, m.transitions, m.retries, m.clientErrors, m.overload,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "apimlab_gateway_requests_in_flight",
			Help: "Requests being served now (counted by the gateway's server).",
		}, func() float64 { return float64(m.load.inFlight.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "apimlab_gateway_client_connections",
			Help: "Client connections open now (counted by the gateway's server).",
		}, func() float64 { return float64(m.load.conns.Load()) }),
		// Process-wide, but each gateway's registry is its own: the
		// collectors read the runtime and /proc, they hold no state.
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, r := range [...]string{ReasonClientConnection, ReasonClientBody, ReasonClientTimeout} {
		m.clientErrors.WithLabelValues(r)
	}
	for _, l := range [...]string{limitRequests, limitConnections, limitResources} {
		m.overload.WithLabelValues(l)
	}
	return m
}

// Overload limits (the limit label of apimlab_gateway_overload_total).
const (
	limitRequests    = "requests"
	limitConnections = "connections"
	limitResources   = "resources"
)

// loadState is what a Server reports about its load; all zero when the
// gateway is served by another server.
type loadState struct {
	served        atomic.Bool // a Server serves the gateway
	inFlight      atomic.Int64
	conns         atomic.Int64
	maxConcurrent atomic.Int64 // 0: no server, or no limit
	maxConns      atomic.Int64
	// rejectedAt is the gateway clock's UnixNano of the last request
	// turned away for overload (0: never).
	rejectedAt atomic.Int64
}

// gatewayError counts an error response of the gateway by its party.
func (m *metrics) gatewayError(pe *pipelineError) {
	switch pe.party {
	case PartyClient:
		m.clientErrors.WithLabelValues(pe.Reason).Inc()
	case PartyGateway:
		m.overload.WithLabelValues(limitResources).Inc()
	}
}

// backend returns the cached collectors of a configured backend name.
func (m *metrics) backend(name string) *backendMetrics { return m.collectors(name, false) }

// forRequest returns the collectors of a name a request produced, adding
// it while fewer than maxAdhocLabels were added, otherLabel's afterwards.
func (m *metrics) forRequest(name string) *backendMetrics { return m.collectors(name, true) }

// collectors returns the collectors of name, adding them when missing
// (counted against maxAdhocLabels when adhoc). Known names (every
// configured backend, pool members included) take no lock.
func (m *metrics) collectors(name string, adhoc bool) *backendMetrics {
	if b, ok := m.all.Load(name); ok {
		return b.(*backendMetrics)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.all.Load(name); ok {
		return b.(*backendMetrics)
	}
	if adhoc {
		if m.adhoc >= maxAdhocLabels {
			name = otherLabel
			if b, ok := m.all.Load(name); ok {
				return b.(*backendMetrics)
			}
		}
		m.adhoc++
	}
	b := &backendMetrics{m: m, name: name, latency: m.latency.WithLabelValues(name)}
	m.all.Store(name, b)
	return b
}

// observe counts one response of status code (0: no response) taking d.
func (b *backendMetrics) observe(code int, d time.Duration) {
	c, ok := b.codes.Load(code)
	if !ok {
		c, _ = b.codes.LoadOrStore(code, b.m.requests.WithLabelValues(b.name, strconv.Itoa(code)))
	}
	c.(prometheus.Counter).Inc()
	b.latency.Observe(d.Seconds())
}

// request records a finished request.
func (m *metrics) request(x *exchange) {
	name := x.served
	if name == "" {
		name = "none"
	}
	var b *backendMetrics
	if x.target != nil && x.target.stats != nil && x.target.stats.name == name {
		b = x.target.stats
	} else {
		b = m.forRequest(name)
	}
	b.observe(x.status, x.g.now().Sub(x.start))
}
