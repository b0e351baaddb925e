package main

import (
	"runtime"
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

// TestBeforeBuild: the metrics beforeBuild reads exist (a renamed metric
// would silently turn the policy off), it collects once the heap has
// reached half its goal, and not below.
func TestBeforeBuild(t *testing.T) {
	heap, goal, ok := heapAndGoal()
	if !ok || goal == 0 || heap == 0 {
		t.Fatalf("heapAndGoal = %d, %d, %v", heap, goal, ok)
	}
	for _, tt := range []struct {
		heap, goal uint64
		want       bool
	}{
		{0, 100, false}, {20, 100, false}, {49, 100, false}, {50, 100, true}, {90, 100, true}, {150, 100, true},
	} {
		if got := collectionDue(tt.heap, tt.goal); got != tt.want {
			t.Errorf("collectionDue(%d, %d) = %v, want %v", tt.heap, tt.goal, got, tt.want)
		}
	}
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	runtime.GC()
	keep := make([][]byte, 0, 64)
	for heap, goal, _ := heapAndGoal(); !collectionDue(heap, goal+goal/4); heap, goal, _ = heapAndGoal() {
		keep = append(keep, make([]byte, 256<<10))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	beforeBuild()
	runtime.ReadMemStats(&after)
	if after.NumGC == before.NumGC {
		t.Errorf("no collection with the heap past half its goal")
	}
	runtime.KeepAlive(keep)
}
