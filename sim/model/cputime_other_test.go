//go:build !unix

package model

import "time"

// cpuTime is unknown here (no getrusage): benchmarks report wall time
// figures only.
func cpuTime() time.Duration { return 0 }
