//go:build !unix

package main

import "time"

// processCPU is unknown here: --timings shows wall times only.
func processCPU() time.Duration { return 0 }
