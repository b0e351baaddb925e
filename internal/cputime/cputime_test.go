package cputime

import (
	"runtime"
	"testing"
)

// TestProcessGrows: the CPU time grows with work where the platform gives
// it, and is 0 elsewhere.
func TestProcessGrows(t *testing.T) {
	before := Process()
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	after := Process()
	switch runtime.GOOS {
	case "windows", "js", "wasip1", "plan9":
		if after != 0 {
			t.Errorf("Process() = %v, want 0 on %s", after, runtime.GOOS)
		}
	default:
		if after <= before || after <= 0 {
			t.Errorf("Process() %v then %v after busy work (%d)", before, after, x)
		}
	}
}
