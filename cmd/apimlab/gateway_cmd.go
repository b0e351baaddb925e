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

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/gateway"
)

// GatewayCmd runs the configuration as a local APIM gateway.
type GatewayCmd struct {
	Paths           []string `arg:"" name:"path" help:"Files or folders (ARM, Bicep JSON, REST JSON, APIOps, policy XML)." type:"path"`
	Listen          string   `default:"127.0.0.1:8080" help:"Address the gateway listens on."`
	Admin           string   `default:"127.0.0.1:9090" help:"Address of the admin endpoints (/health, /metrics, /events); empty disables them."`
	Parameters      []string `help:"ARM parameters file(s)." type:"existingfile"`
	CA              []string `name:"ca" help:"PEM file(s) of extra CA certificates trusted for backend TLS." type:"existingfile"`
	OpenIDConfig    string   `name:"openid-config" type:"existingdir" placeholder:"DIR" help:"Directory of local OpenID configurations for validate-jwt <openid-config url> and validate-azure-ad-token: https://HOST/PATH is the file DIR/HOST/PATH, the document's jwks_uri likewise (never fetched from the network)."`
	BreakerModel    string   `enum:"reset,half-open,halfOpen" default:"reset" help:"What a circuit breaker does after its trip duration: reset (Azure's documented behaviour: closed with fresh counters, all traffic resumes) or half-open (one trial request; success closes, failure re-opens)."`
	TransportErrors string   `name:"transport-errors" enum:"always,listed" default:"always" help:"When a connection or TLS failure or a forward-request timeout counts against a circuit breaker: always, or listed (only when its error reason, BackendConnectionFailure or Timeout, is in the rule's errorReasons). Azure does not document which."`
	AllowUnemulated bool     `help:"Skip unknown and unemulated policy elements (each is logged once) instead of refusing to start."`
	Seed            uint64   `help:"Seed for policy expressions' Random and Guid (0: random), to replay a run."`
	Region          string   `help:"Value of context.Deployment.Region in policy expressions."`
	MIToken         string   `name:"managed-identity-token" help:"Bearer token authentication-managed-identity and managedIdentity credentials send (a fake; default: a fixed test token)."`
	AuthToken       string   `name:"authorization-token" help:"Access token get-authorization-context stores for every credential manager connection (a fake; default: a fixed test token)."`
	NoDebugHeaders  bool     `help:"Do not add x-apimlab-backend and x-apimlab-reason to responses."`
	TrustedProxies  []string `name:"trusted-proxies" placeholder:"CIDR" help:"Peers (CIDR or address, repeatable or comma-separated) whose X-Forwarded-For sets context.Request.IpAddress (the right-most untrusted hop). Default: none, IpAddress is the TCP peer."`
	Verbose         bool     `help:"Log at debug level (the internal cause of every failed backend attempt)."`
	PreserveBodies  bool     `help:"Keep bodies where Azure loses them: resend the request body on every retry (as buffer-request-body=\"true\") and keep bodies policy expressions read (as preserveContent: true). Default: Azure's behaviour."`

	// HTTPS listener (gateway_tls.go).
	TLSCert             string `name:"tls-cert" type:"existingfile" help:"PEM certificate (leaf first, then its chain) to serve HTTPS with; needs --tls-key."`
	TLSKey              string `name:"tls-key" type:"existingfile" help:"PEM private key of --tls-cert."`
	NegotiateClientCert bool   `name:"negotiate-client-certificate" help:"With --tls-cert: ask clients for a certificate in the TLS handshake (not required), as APIM's hostname setting does; validate-client-certificate checks it."`

	// Serving limits: 0 keeps the default, a negative value removes the limit.
	MaxConns           int           `default:"2048" help:"Most client connections open at once; beyond, an idle one is closed, or the newcomer answered 503 GatewayOverloaded (closed at once near the open-file limit)."`
	MaxConcurrent      int           `name:"max-concurrent-requests" default:"512" help:"Most requests served at once; more are answered 503 GatewayOverloaded with Retry-After before any backend is dialled."`
	MaxConnsPerBackend int           `default:"512" help:"Most connections to each backend host (0: no cap); waiting longer than forward-request's timeout ends in 503 GatewayResourceExhausted."`
	RetryAfter         time.Duration `default:"1s" help:"Retry-After of the gateway's own 503s."`
	ReadHeaderTimeout  time.Duration `default:"10s" help:"Time allowed to read a request's headers."`
	ReadBodyTimeout    time.Duration `default:"60s" help:"Time allowed to read a request's body (408 ClientRequestTimeout beyond)."`
	IdleTimeout        time.Duration `default:"60s" help:"Idle keep-alive connections are closed after this."`
	WriteTimeout       time.Duration `default:"60s" help:"A client that takes none of a response for this long is disconnected."`
	MaxHeaderBytes     int           `default:"65536" help:"Most bytes of request line and headers (431 beyond)."`
	ShutdownGrace      time.Duration `default:"10s" help:"How long in-flight requests may finish after SIGINT/SIGTERM."`
}

// serverOptions maps the flags to gateway.ServerOptions; a 0 flag means
// "no limit" on the command line (the defaults are in the flags), which
// ServerOptions spells as a negative value.
func (c *GatewayCmd) serverOptions(log *slog.Logger) gateway.ServerOptions {
	noZero := func(v int) int {
		if v == 0 {
			return -1
		}
		return v
	}
	noZeroD := func(v time.Duration) time.Duration {
		if v == 0 {
			return -1
		}
		return v
	}
	return gateway.ServerOptions{
		MaxConns:          noZero(c.MaxConns),
		MaxConcurrent:     noZero(c.MaxConcurrent),
		ReadHeaderTimeout: noZeroD(c.ReadHeaderTimeout),
		ReadBodyTimeout:   noZeroD(c.ReadBodyTimeout),
		IdleTimeout:       noZeroD(c.IdleTimeout),
		WriteTimeout:      noZeroD(c.WriteTimeout),
		MaxHeaderBytes:    noZero(c.MaxHeaderBytes),
		ShutdownGrace:     noZeroD(c.ShutdownGrace),
		ErrorLog:          log,
	}
}

// Run loads the configuration, starts the gateway and serves until
// SIGINT or SIGTERM, then shuts down gracefully.
func (c *GatewayCmd) Run(g *Globals) error {
	svc, err := load.Load(c.Paths, load.Options{Parameters: c.Parameters})
	if err != nil {
		return usageErr("%v", err)
	}
	level := slog.LevelInfo
	if c.Verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(g.Stderr, &slog.HandlerOptions{Level: level}))
	trusted, err := gateway.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return usageErr("--trusted-proxies: %v", err)
	}
	if soft, hard, err := gateway.RaiseFileLimit(); err != nil {
		log.Warn("cannot raise the open-file limit", "soft", soft, "hard", hard, "err", err)
	} else if soft > 0 && uint64(c.MaxConns+c.MaxConcurrent) > soft {
		log.Warn("the open-file limit is below max-conns + max-concurrent-requests: the gateway may run out of descriptors (counted as GatewayResourceExhausted, never against a backend)",
			"limit", soft, "max-conns", c.MaxConns, "max-concurrent-requests", c.MaxConcurrent)
	}
	// Malformed input would make the emulator run a different
	// configuration than the one deployed: refuse it. Unresolved values
	// are reported and the gateway starts (what needs them fails later,
	// with its position).
	if err := load.Malformed(svc); err != nil {
		return usageErr("%v", err)
	}
	for _, is := range svc.Issues {
		if is.Code == apim.Unresolved {
			log.Warn("unresolved value", "pos", is.Pos.String(), "msg", is.Msg)
		}
	}
	so := c.serverOptions(log)
	scheme, err := c.tlsOptions(&so)
	if err != nil {
		return err
	}
	model, err := breaker.ParseModel(c.BreakerModel)
	if err != nil {
		return usageErr("%v", err)
	}
	transp, err := breaker.ParseTransportErrors(c.TransportErrors)
	if err != nil {
		return usageErr("%v", err)
	}
	gw, err := gateway.New(svc, gateway.Options{
		Logger:               log,
		CAFiles:              c.CA,
		OpenIDConfigDir:      c.OpenIDConfig,
		BreakerModel:         model,
		TransportErrors:      transp,
		AllowUnemulated:      c.AllowUnemulated,
		Seed:                 c.Seed,
		Region:               c.Region,
		ManagedIdentityToken: c.MIToken,
		AuthorizationToken:   c.AuthToken,
		NoDebugHeaders:       c.NoDebugHeaders,
		TrustedProxies:       trusted,
		MaxConnsPerBackend:   c.MaxConnsPerBackend,
		RetryAfter:           c.RetryAfter,
		PreserveBodies:       c.PreserveBodies,
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
	fmt.Fprintf(g.Stdout, "apimlab gateway listening on %s://%s (breaker model %s)\n", scheme, ln.Addr(), model)
	if adminLn != nil {
		fmt.Fprintf(g.Stdout, "admin endpoints on http://%s/health, /metrics, /events\n", adminLn.Addr())
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return serve(ctx, gw, ln, adminLn, so, log)
}

// serve runs the gateway on ln (through gateway.Server, with so's limits)
// and its admin handler on adminLn (nil: no admin) until ctx ends, then
// shuts down: event streams end, listeners close, in-flight requests get
// up to so.ShutdownGrace to finish, and the gateway's idle connections
// are closed. It returns the first serving error, or nil after a clean
// shutdown.
func serve(ctx context.Context, gw *gateway.Gateway, ln, adminLn net.Listener, so gateway.ServerOptions, log *slog.Logger) error {
	main := gateway.NewServer(gw, so)
	grace := main.Options().ShutdownGrace
	errc := make(chan error, 2)
	go func() { errc <- main.Serve(ln) }()
	servers := 1
	var admin *http.Server
	if adminLn != nil {
		// The admin endpoints stay reachable under overload: their own
		// server, outside the gateway's limits.
		admin = &http.Server{Handler: gw.Admin(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		go func() { errc <- admin.Serve(adminLn) }()
		servers++
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
	sctx, cancel := context.WithTimeout(context.Background(), max(grace, time.Millisecond))
	defer cancel()
	if err := main.Shutdown(sctx); err != nil && first == nil {
		first = fmt.Errorf("shutdown: %w", err)
	}
	if admin != nil {
		if err := admin.Shutdown(sctx); err != nil && first == nil {
			first = fmt.Errorf("shutdown: %w", err)
		}
	}
	// Collect the remaining Serve results (ErrServerClosed after Shutdown).
	for range servers - received {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) && first == nil {
			first = err
		}
	}
	gw.Close()
	return first
}
