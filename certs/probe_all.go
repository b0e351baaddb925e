package certs

import (
	"context"
	"sync"
)

// DefaultProbeConcurrency is ProbeAll's limit when concurrency < 1.
const DefaultProbeConcurrency = 4

// ProbeTarget is one backend for ProbeAll.
type ProbeTarget struct {
	// Addr is host:port.
	Addr string
	// ServerName is the SNI and verification name; if empty, Addr's host.
	ServerName string
	// Options configure this probe.
	Options ProbeOptions
}

// ProbeOutcome is the result of probing one ProbeTarget.
type ProbeOutcome struct {
	// Target is the probed target.
	Target ProbeTarget
	// Result is nil when Err is set.
	Result *ProbeResult
	// Err is Probe's error, or ctx's error when the probe never started.
	Err error
}

// ProbeAll probes targets with at most concurrency probes in flight (if
// concurrency < 1, DefaultProbeConcurrency) and returns one outcome per
// target, in the order of targets. Each probe is bounded by its own
// Options.Timeout; cancelling ctx stops probes not yet started.
func ProbeAll(ctx context.Context, targets []ProbeTarget, concurrency int) []ProbeOutcome {
	if concurrency < 1 {
		concurrency = DefaultProbeConcurrency
	}
	out := make([]ProbeOutcome, len(targets))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, t := range targets {
		out[i].Target = t
		if err := ctx.Err(); err != nil {
			out[i].Err = err
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i].Err = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i].Result, out[i].Err = Probe(ctx, t.Addr, t.ServerName, t.Options)
		})
	}
	wg.Wait()
	return out
}
