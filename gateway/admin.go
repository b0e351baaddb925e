package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Admin returns the admin handler: GET /health (JSON per backend), GET
// /metrics (Prometheus text) and GET /events (server-sent events: "event:
// transition" for breaker transitions, "event: record" for what trace,
// emit-metric, log-to-eventhub and the token-metric policies write; the
// stream ends when the client goes away or the gateway closes).
func (g *Gateway) Admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", g.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /events", g.serveEvents)
	return mux
}

// Health is the /health document.
type Health struct {
	// Instance is Options.InstanceID.
	Instance string `json:"instance,omitempty"`
	// BreakerModel is "reset" (the default) or "halfOpen".
	BreakerModel string `json:"breakerModel"`
	// TransportErrors is "always" (the default) or "listed": when a
	// transport error counts against a breaker (Options.TransportErrors).
	TransportErrors string          `json:"transportErrors"`
	Backends        []BackendHealth `json:"backends"`
	// Load is the serving load, present when a Server serves the gateway.
	Load *LoadHealth `json:"load,omitempty"`
}

// LoadHealth is the serving load in /health.
type LoadHealth struct {
	// Overloaded is true while requests are being turned away: the
	// concurrency limit is reached, or a request was turned away within
	// the last overloadWindow.
	Overloaded    bool       `json:"overloaded"`
	InFlight      int64      `json:"inFlight"`
	MaxConcurrent int64      `json:"maxConcurrent,omitempty"`
	Connections   int64      `json:"connections"`
	MaxConns      int64      `json:"maxConnections,omitempty"`
	LastRejected  *time.Time `json:"lastRejected,omitempty"`
}

// overloadWindow is how long /health keeps saying overloaded after the
// last request turned away.
const overloadWindow = 5 * time.Second

// loadHealth reports the server's load; nil when no Server serves g.
func (g *Gateway) loadHealth() *LoadHealth {
	l := &g.metrics.load
	maxC := l.maxConcurrent.Load()
	maxConns := l.maxConns.Load()
	if !l.served.Load() {
		return nil
	}
	h := &LoadHealth{InFlight: l.inFlight.Load(), MaxConcurrent: maxC, Connections: l.conns.Load(), MaxConns: maxConns}
	if at := l.rejectedAt.Load(); at != 0 {
		t := time.Unix(0, at).UTC()
		h.LastRejected = &t
		if g.now().Sub(t) < overloadWindow {
			h.Overloaded = true
		}
	}
	if maxC > 0 && h.InFlight >= maxC {
		h.Overloaded = true
	}
	return h
}

// BackendHealth is one backend in /health.
type BackendHealth struct {
	Name string `json:"name"`
	// Type is Single or Pool.
	Type string `json:"type"`
	URL  string `json:"url,omitempty"`
	// Available reports whether the backend would take a request now.
	Available bool `json:"available"`
	// Breaker is the breaker's state ("closed", "open", "half-open"), ""
	// when the backend has no circuit breaker.
	Breaker        string      `json:"breaker,omitempty"`
	OpenUntil      *time.Time  `json:"openUntil,omitempty"`
	LastTransition *Transition `json:"lastTransition,omitempty"`
	// Members are a pool's members with their priority, weight and
	// current availability.
	Members []PoolMemberHealth `json:"members,omitempty"`
	// Pools lists the pools this backend is a member of.
	Pools []string `json:"pools,omitempty"`
}

// PoolMemberHealth is one pool member in /health.
type PoolMemberHealth struct {
	Name      string `json:"name"`
	Priority  int    `json:"priority"`
	Weight    int    `json:"weight"`
	Available bool   `json:"available"`
}

// Health returns the current health document.
func (g *Gateway) Health() Health {
	h := Health{Instance: g.opts.InstanceID, BreakerModel: g.opts.BreakerModel.String(), TransportErrors: g.opts.TransportErrors.String(), Load: g.loadHealth()}
	memberOf := map[*backend][]string{}
	for _, b := range g.backendList {
		for _, m := range b.members {
			memberOf[m] = append(memberOf[m], b.name)
		}
	}
	for _, b := range g.backendList {
		bh := BackendHealth{Name: b.name, Type: b.kind, Available: b.available(), Pools: memberOf[b]}
		if b.url != nil {
			bh.URL = b.url.Redacted()
		}
		if br := b.breaker(); br != nil {
			bh.Breaker = br.State().String()
			if t := br.OpenUntil(); !t.IsZero() {
				bh.OpenUntil = &t
			}
		}
		if e := b.last.Load(); e != nil {
			j := ToTransition(*e)
			bh.LastTransition = &j
		}
		if b.be != nil && b.be.IsPool() {
			for i, m := range b.members {
				pm := b.be.Pool().Member(i)
				bh.Members = append(bh.Members, PoolMemberHealth{Name: m.name, Priority: pm.Priority, Weight: pm.Weight, Available: m.available()})
			}
		}
		h.Backends = append(h.Backends, bh)
	}
	return h
}

func (g *Gateway) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g.Health()); err != nil {
		g.log.Debug("writing /health", "err", err)
	}
}

func (g *Gateway) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	ch, cancel, ok := g.events.subscribe()
	if !ok {
		http.Error(w, "gateway is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": apimlab events: breaker transitions and policy records\n\n"); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	send := func(e streamEvent) bool {
		data, err := json.Marshal(e.data)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-g.events.done:
			// Deliver what was published before Close, then end.
			for {
				select {
				case e := <-ch:
					if !send(e) {
						return
					}
				default:
					return
				}
			}
		case e := <-ch:
			if !send(e) {
				return
			}
		}
	}
}
