package main

import (
	"slices"
	"time"
)

// sweepChildEnv makes the test binary a child of BenchmarkLintSweep: it
// runs one lint ("lint") or the floor ("floor") on the file in
// sweepFileEnv and exits.
const (
	sweepChildEnv = "APIMLAB_SWEEP_CHILD"
	sweepFileEnv  = "APIMLAB_SWEEP_FILE"
)

// median is the middle value of xs (the mean of the two middle ones for
// an even count), for the benchmarks' repeated runs.
func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
