package gateway

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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

	mu    sync.Mutex
	all   map[string]*backendMetrics
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
		all: map[string]*backendMetrics{},
	}
	m.reg.MustRegister(m.requests, m.latency, m.state, m.transitions, m.retries)
	return m
}

// backend returns the cached collectors of a backend name.
func (m *metrics) backend(name string) *backendMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.all[name]; ok {
		return b
	}
	b := &backendMetrics{m: m, name: name, latency: m.latency.WithLabelValues(name)}
	m.all[name] = b
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

// forRequest returns the collectors of a name a request produced, adding
// it while fewer than maxAdhocLabels were added, otherLabel's afterwards.
func (m *metrics) forRequest(name string) *backendMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.all[name]; ok {
		return b
	}
	if m.adhoc >= maxAdhocLabels {
		name = otherLabel
		if b, ok := m.all[name]; ok {
			return b
		}
	}
	m.adhoc++
	b := &backendMetrics{m: m, name: name, latency: m.latency.WithLabelValues(name)}
	m.all[name] = b
	return b
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
