//go:build !unix

// Package cputime reads the process's CPU time, for lint --timings and
// the benchmarks that report CPU time beside wall time.
package cputime

import "time"

// Process is the process's user and system CPU time so far; 0 where the
// platform does not give it, as here (no getrusage).
func Process() time.Duration { return 0 }
