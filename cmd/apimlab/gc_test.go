package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/apimlab/apimlab/internal/gen"
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
		gcTuned = false
		tuneGC(tt.args)
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("GOGC=%q %v: GC percent %d, want %d", tt.env, tt.args, got, tt.want)
		}
		if gcTuned != (tt.want == 400) {
			t.Errorf("GOGC=%q %v: gcTuned %v", tt.env, tt.args, gcTuned)
		}
	}
}

// TestBeforeBuild: the metrics beforeBuild reads exist (a renamed metric
// would silently turn the policy off); collectionDue's cases (45/64 of the
// way from the live heap to the goal, three times the live heap when
// tuned, neither below); beforeBuild collects past the pacer's trigger.
func TestBeforeBuild(t *testing.T) {
	runtime.GC() // the live heap is 0 before the first collection
	heap, live, goal, ok := heapLiveGoal()
	if !ok || goal == 0 || heap == 0 || live == 0 {
		t.Fatalf("heapLiveGoal = %d, %d, %d, %v", heap, live, goal, ok)
	}
	for _, tt := range []struct {
		heap, live, goal uint64
		tuned            bool
		want             bool
	}{
		{0, 0, 640, true, false}, {100, 0, 640, true, false}, {449, 0, 640, true, false}, {450, 0, 640, true, true}, {900, 0, 640, true, true},
		{100, 100, 740, true, false}, {299, 100, 740, true, false}, {300, 100, 740, true, true}, // three times the live heap
		{300, 100, 740, false, false}, {549, 100, 740, false, false}, {550, 100, 740, false, true}, // GOGC the user's: the trigger only
		{400, 100, 1 << 62, false, false},                                                       // GOGC=off
		{100, 100, 200, true, false}, {169, 100, 200, true, false}, {170, 100, 200, true, true}, // the trigger first (GOGC 100)
		{500, 100, 100, true, false}, {500, 200, 100, true, false}, // no goal above the live heap
	} {
		if got := collectionDue(tt.heap, tt.live, tt.goal, tt.tuned); got != tt.want {
			t.Errorf("collectionDue(%d, %d, %d, %v) = %v, want %v", tt.heap, tt.live, tt.goal, tt.tuned, got, tt.want)
		}
	}
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	// Goroutines other tests left behind allocate too, and the runtime
	// may collect on its own between the loop and beforeBuild: a few
	// attempts, one of which must see beforeBuild collect.
	collected := false
	for range 10 {
		runtime.GC()
		keep := make([][]byte, 0, 64)
		for heap, live, goal, _ := heapLiveGoal(); !collectionDue(heap, live, goal, false); heap, live, goal, _ = heapLiveGoal() {
			keep = append(keep, make([]byte, 256<<10))
		}
		before := gcCount()
		beforeBuild()
		runtime.KeepAlive(keep)
		if collected = gcCount() > before; collected {
			break
		}
	}
	if !collected {
		t.Errorf("no collection with the heap past the pacer's minimum trigger")
	}
}

// gcCount is the number of completed collections.
func gcCount() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

// TestThreeTimesRuleDuringBuildOnly: with apimlab's GOGC 400, a heap at
// three times the live heap (below the pacer's trigger) is collected
// between the steps of a build, not before it: there the collection would
// free none of the parse tree (docs/benchmarks.md).
func TestThreeTimesRuleDuringBuildOnly(t *testing.T) {
	prev := debug.SetGCPercent(400)
	defer debug.SetGCPercent(prev)
	tuned := gcTuned
	gcTuned = true
	defer func() { gcTuned = tuned }()
	// As in TestBeforeBuild, the runtime may collect on its own (other
	// tests' goroutines allocate): a few attempts, one of which must see
	// beforeBuild leave the heap alone and duringBuild collect.
	var failures []string
	for range 10 {
		runtime.GC()
		var keep [][]byte
		grow := func() {
			for heap, live, _, _ := heapLiveGoal(); heap < 3*live; heap, live, _, _ = heapLiveGoal() {
				keep = append(keep, make([]byte, 64<<10))
			}
		}
		grow()
		if heap, live, goal, _ := heapLiveGoal(); collectionDue(heap, live, goal, false) {
			failures = append(failures, fmt.Sprintf("heap %d, live %d, goal %d: past the pacer's trigger already", heap, live, goal))
			continue
		}
		before := gcCount()
		beforeBuild()
		if gcCount() != before {
			failures = append(failures, "beforeBuild collected at three times the live heap")
			continue
		}
		grow()
		before = gcCount()
		duringBuild(1, 8)
		runtime.KeepAlive(keep)
		if gcCount() == before {
			failures = append(failures, "duringBuild did not collect at three times the live heap")
			continue
		}
		return
	}
	t.Errorf("in every attempt: %q", failures)
}

// TestHalfwayRule: halfway through a build in steps, with apimlab's GOGC
// 400, a heap at 1.65 times the live heap (below three times and below
// the pacer's trigger) is collected; at 1.25 times it is not, nor at any
// other step, nor when the user set GOGC.
func TestHalfwayRule(t *testing.T) {
	prev := debug.SetGCPercent(400)
	defer debug.SetGCPercent(prev)
	tuned := gcTuned
	defer func() { gcTuned = tuned }()
	var failures []string
	for range 10 {
		runtime.GC()
		var keep [][]byte
		grow := func(percent uint64) {
			for heap, live, _, _ := heapLiveGoal(); heap < live+live*percent/100; heap, live, _, _ = heapLiveGoal() {
				keep = append(keep, make([]byte, 64<<10))
			}
		}
		collected := func(tunedNow bool, done, steps int) bool {
			gcTuned = tunedNow
			before := gcCount()
			duringBuild(done, steps)
			return gcCount() != before
		}
		grow(25)
		if heap, live, _, _ := heapLiveGoal(); 2*heap < 3*live && collected(true, 4, 8) {
			failures = append(failures, "collected halfway below 1.5 times the live heap")
			continue
		}
		grow(65)
		if heap, live, goal, _ := heapLiveGoal(); heap >= 3*live || collectionDue(heap, live, goal, false) {
			failures = append(failures, fmt.Sprintf("heap %d, live %d, goal %d: past another rule's point", heap, live, goal))
			continue
		}
		switch {
		case collected(true, 3, 8):
			failures = append(failures, "collected after 3 of 8 steps")
		case collected(false, 4, 8):
			failures = append(failures, "collected halfway with the user's GOGC")
		case !collected(true, 4, 8):
			failures = append(failures, "did not collect halfway at 1.65 times the live heap")
		default:
			runtime.KeepAlive(keep)
			return
		}
		runtime.KeepAlive(keep)
	}
	t.Errorf("in every attempt: %q", failures)
}

// TestBeforeReadOnce: lint prepares the heap (beforeRead) at the first
// JSON file of hugeMin bytes or more, once per process, and not for
// smaller files. Whether the kernel takes the advice is
// internal/hugeheap's test.
func TestBeforeReadOnce(t *testing.T) {
	saved := hugePrepared
	t.Cleanup(func() { hugePrepared = saved })
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.json"), filepath.Join(dir, "large.json")
	for file, n := range map[string]int{small: 5, large: 1000} {
		if err := os.WriteFile(file, gen.ARM(n, n/10), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		file string
		want bool
	}{{small, false}, {large, true}} {
		st, err := os.Stat(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if (st.Size() >= hugeMin) != tc.want {
			t.Fatalf("%s: %d bytes, the test wants it on the other side of hugeMin (%d)", tc.file, st.Size(), hugeMin)
		}
		hugePrepared.done = false
		if code, _, stderr := runCLI(t, "lint", "--format", "json", "--fail-on", "never", tc.file); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if hugePrepared.done != tc.want {
			t.Errorf("lint %s (%d bytes): heap prepared %v, want %v", filepath.Base(tc.file), st.Size(), hugePrepared.done, tc.want)
		}
	}
	// Once per process: a second large input prepares nothing more.
	hugePrepared.advised, hugePrepared.wall = -1, 0
	if code, _, stderr := runCLI(t, "lint", "--format", "json", "--fail-on", "never", large); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if hugePrepared.advised != -1 {
		t.Errorf("a second large input prepared the heap again (%d bytes advised)", hugePrepared.advised)
	}
}
