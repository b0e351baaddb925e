package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/gateway"
)

// shutdownGrace bounds how long in-flight requests may take to finish
// after SIGINT/SIGTERM.
const shutdownGrace = 10 * time.Second

// GatewayCmd runs the configuration as a local APIM gateway.
type GatewayCmd struct {
	Paths           []string `arg:"" name:"path" help:"Files or folders (ARM, Bicep JSON, REST JSON, APIOps, policy XML)." type:"path"`
	Listen          string   `default:"127.0.0.1:8080" help:"Address the gateway listens on."`
	Admin           string   `default:"127.0.0.1:9090" help:"Address of the admin endpoints (/health, /metrics, /events); empty disables them."`
	Parameters      []string `help:"ARM parameters file(s)." type:"existingfile"`
	CA              []string `name:"ca" help:"PEM file(s) of extra CA certificates trusted for backend TLS." type:"existingfile"`
	BreakerModel    string   `enum:"half-open,reset" default:"half-open" help:"What a circuit breaker does after its trip duration: half-open (one trial request) or reset (Azure's documented behaviour)."`
	AllowUnemulated bool     `help:"Skip unknown and unemulated policy elements (each is logged once) instead of refusing to start."`
	Seed            uint64   `help:"Seed for policy expressions' Random and Guid (0: random), to replay a run."`
	Region          string   `help:"Value of context.Deployment.Region in policy expressions."`
	MIToken         string   `name:"managed-identity-token" help:"Bearer token authentication-managed-identity and managedIdentity credentials send (a fake; default: a fixed test token)."`
	NoDebugHeaders  bool     `help:"Do not add x-apimlab-backend and x-apimlab-reason to responses."`
}

// Run loads the configuration, starts the gateway and serves until
// SIGINT or SIGTERM, then shuts down gracefully.
func (c *GatewayCmd) Run(g *Globals) error {
	svc, err := load.Load(c.Paths, load.Options{Parameters: c.Parameters})
	if err != nil {
		return usageErr("%v", err)
	}
	log := slog.New(slog.NewTextHandler(g.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// Malformed input would make the emulator run a different
	// configuration than the one deployed: refuse it. Unresolved values
	// are reported and the gateway starts (what needs them fails later,
	// with its position).
	if err := load.Malformed(svc); err != nil {
		return usageErr("%v", err)
	}
	for _, is := range svc.Issues {
		if is.Code == "APIM902" {
			log.Warn("unresolved value", "pos", is.Pos.String(), "msg", is.Msg)
		}
	}
	model, err := breaker.ParseModel(c.BreakerModel)
	if err != nil {
		return usageErr("%v", err)
	}
	gw, err := gateway.New(svc, gateway.Options{
		Logger:               log,
		CAFiles:              c.CA,
		BreakerModel:         model,
		AllowUnemulated:      c.AllowUnemulated,
		Seed:                 c.Seed,
		Region:               c.Region,
		ManagedIdentityToken: c.MIToken,
		NoDebugHeaders:       c.NoDebugHeaders,
	})
	if err != nil {
		return usageErr("%v", err)
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		gw.Close()
		return usageErr("listen: %v", err)
	}
	var adminLn net.Listener
	if c.Admin != "" {
		if adminLn, err = net.Listen("tcp", c.Admin); err != nil {
			_ = ln.Close()
			gw.Close()
			return usageErr("admin listen: %v", err)
		}
	}
	fmt.Fprintf(g.Stdout, "apimlab gateway listening on http://%s (breaker model %s)\n", ln.Addr(), model)
	if adminLn != nil {
		fmt.Fprintf(g.Stdout, "admin endpoints on http://%s/health, /metrics, /events\n", adminLn.Addr())
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return serve(ctx, gw, ln, adminLn, shutdownGrace, log)
}

// serve runs the gateway on ln and its admin handler on adminLn (nil: no
// admin) until ctx ends, then shuts down: event streams end, listeners
// close, in-flight requests get up to grace to finish, and the gateway's
// idle connections are closed. It returns the first serving error, or nil
// after a clean shutdown.
func serve(ctx context.Context, gw *gateway.Gateway, ln, adminLn net.Listener, grace time.Duration, log *slog.Logger) error {
	servers := []*http.Server{{Handler: gw, ReadHeaderTimeout: 30 * time.Second}}
	listeners := []net.Listener{ln}
	if adminLn != nil {
		servers = append(servers, &http.Server{Handler: gw.Admin(), ReadHeaderTimeout: 30 * time.Second})
		listeners = append(listeners, adminLn)
	}
	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errc <- s.Serve(listeners[i]) }()
	}
	var first error
	received := 0
	select {
	case <-ctx.Done():
	case first = <-errc:
		received = 1 // a server stopped on its own: shut the rest down
	}
	log.Info("shutting down", "grace", grace.String())
	gw.Close() // ends /events streams so Shutdown need not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil && first == nil {
			first = fmt.Errorf("shutdown: %w", err)
		}
	}
	// Collect the remaining Serve results (ErrServerClosed after Shutdown).
	for range len(servers) - received {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) && first == nil {
			first = err
		}
	}
	gw.Close()
	return first
}
