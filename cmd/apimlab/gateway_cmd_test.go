package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/gateway"
)

func TestServeGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	}))
	defer backend.Close()
	svc := &apim.Service{APIs: []*apim.API{{Name: "a", Path: apim.Field[string]{Value: "a", Set: true},
		ServiceURL: apim.Field[string]{Value: backend.URL, Set: true}}}}
	gw, err := gateway.New(svc, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	adminLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, gw, ln, adminLn, gateway.ServerOptions{ShutdownGrace: 5 * time.Second}, slog.New(slog.DiscardHandler))
	}()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	// An open /events stream must not hold the shutdown up.
	events, err := client.Get("http://" + adminLn.Addr().String() + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer events.Body.Close()

	type result struct {
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := client.Get("http://" + ln.Addr().String() + "/a/slow")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		inflight <- result{string(b), err}
	}()
	<-started
	cancel() // SIGTERM arrives while the request is in flight
	// serve closes the gateway first, which ends the event stream: once it
	// has ended, shutdown is under way and the request is still in flight.
	if _, err := io.ReadAll(events.Body); err != nil {
		t.Errorf("event stream: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) before the in-flight request finished", err)
	default:
	}
	close(release)
	if r := <-inflight; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q, %v; want it to finish", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts connections after shutdown")
	}
}

// TestGatewayServerFlags checks the mapping of the serving flags: a flag
// at 0 removes its limit (a negative ServerOptions value), others pass.
func TestGatewayServerFlags(t *testing.T) {
	c := &GatewayCmd{MaxConns: 0, MaxConcurrent: 7, ReadBodyTimeout: 0, IdleTimeout: 3 * time.Second, MaxHeaderBytes: 100}
	got := c.serverOptions(nil)
	if got.MaxConns != -1 || got.MaxConcurrent != 7 || got.ReadBodyTimeout != -1 || got.IdleTimeout != 3*time.Second || got.MaxHeaderBytes != 100 {
		t.Fatalf("serverOptions = %+v", got)
	}
	s := gateway.NewServer(mustGateway(t), got).Options()
	if s.MaxConns != 0 || s.ReadBodyTimeout != 0 || s.ReadHeaderTimeout != 0 || s.MaxConcurrent != 7 {
		t.Fatalf("effective options %+v: 0 flags must mean no limit", s)
	}
}

func mustGateway(t *testing.T) *gateway.Gateway {
	t.Helper()
	gw, err := gateway.New(&apim.Service{}, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	return gw
}
