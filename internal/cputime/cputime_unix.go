//go:build unix

// Package cputime reads the process's CPU time, for lint --timings and
// the benchmarks that report CPU time beside wall time.
package cputime

import (
	"syscall"
	"time"
)

// Process is the process's user and system CPU time so far; 0 where the
// platform does not give it.
func Process() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
