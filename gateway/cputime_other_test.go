//go:build !unix

package gateway

import "time"

// cpuTime is unknown here (no getrusage): benchmarks report wall time
// figures only.
func cpuTime() time.Duration { return 0 }
