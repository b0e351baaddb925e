package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: batch commands collect less often (GOGC 400); the gateway,
// a server, keeps Go's default; GOGC in the environment wins.
func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	for _, tt := range []struct {
		env  string
		args []string
		want int
	}{
		{"", []string{"lint", "x.json"}, 400},
		{"", []string{"sim", "s.yaml"}, 400},
		{"", []string{"gateway", "x.json", "--listen", ":8080"}, 100},
		{"", []string{"--debug", "gateway", "x.json"}, 100},
		{"50", []string{"lint", "x.json"}, 100},
	} {
		t.Setenv("GOGC", tt.env)
		debug.SetGCPercent(100)
		tuneGC(tt.args)
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("GOGC=%q %v: GC percent %d, want %d", tt.env, tt.args, got, tt.want)
		}
	}
}
