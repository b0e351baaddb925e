// Command apimlab lints, runs and stress-tests Azure API Management backend
// configurations. See README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/apimlab/apimlab/internal/hugeheap"
)

// Globals are the flags every subcommand sees.
type Globals struct {
	Stdout io.Writer `kong:"-"`
	Stderr io.Writer `kong:"-"`
}

// CLI is the command tree; each subcommand lives in <name>_cmd.go.
type CLI struct {
	Globals

	Lint    LintCmd    `cmd:"" help:"Check configuration for misconfigurations (exit 1 on findings at or above --fail-on)."`
	Explain ExplainCmd `cmd:"" help:"Print a lint rule's documentation."`
	Inspect InspectCmd `cmd:"" help:"Load configuration and print the resolved model."`
	Gateway GatewayCmd `cmd:"" help:"Run the configuration as a local APIM gateway (backends, pools, circuit breakers, mTLS)."`
	Certs   CertsCmd   `cmd:"" help:"Generate a throw-away test PKI for mTLS rehearsal (certs init)."`
	Sim     SimCmd     `cmd:"" help:"Run a simulation scenario: fake backends with faults, load, breaker timeline, assertions (exit 1 when one fails)."`
	Report  ReportCmd  `cmd:"" help:"Render a saved simulation result as html, markdown, text, json or junit."`
	Diff    DiffCmd    `cmd:"" help:"Compare two configurations (folders or git:REF:PATH): lint, model and behaviour under scenarios (exit 1 when the change breaks something)."`
	Demo    DemoCmd    `cmd:"" help:"Run apimlab on the embedded demo configuration."`
	Version VersionCmd `cmd:"" help:"Print the version."`

	Completion CompletionCmd `cmd:"" help:"Print a shell completion script (bash, zsh, fish)."`
}

// exitError carries an exit code through kong (kong.ExitCoder).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// ExitCode implements kong.ExitCoder.
func (e *exitError) ExitCode() int { return e.code }

// usageErr is an exit-2 error (bad input, nothing to load).
func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func run(args []string, stdout, stderr io.Writer) int {
	var cli CLI
	cli.Stdout, cli.Stderr = stdout, stderr
	exit := -1
	parser, err := kong.New(&cli,
		kong.Name("apimlab"),
		kong.Description("Lint, run and stress-test Azure API Management backends, pools, circuit breakers and certificates."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.UsageOnError(),
		kong.Vars(vars()),
	)
	if err != nil {
		fmt.Fprintln(stderr, "apimlab:", err)
		return 2
	}
	ctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit
	}
	if err != nil {
		fmt.Fprintln(stderr, "apimlab:", err)
		return 2
	}
	if err := ctx.Run(&cli.Globals); err != nil {
		var ee *exitError
		if errors.As(err, &ee) && ee.err == nil {
			return ee.code
		}
		fmt.Fprintln(stderr, "apimlab:", err)
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}

func main() {
	tuneGC(os.Args[1:])
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC sets the collector for a batch run (lint, explain, inspect, sim,
// diff, …) whose live heap is the parsed configuration: collecting less
// often (GOGC 400) saves CPU on large templates. Against Go's default
// (GOGC 100), lint on issue 16's sweep took 28% less CPU at 10,000
// backends and about 15% less at 40,000, for about 5% more peak RSS at both
// (docs/benchmarks.md). The setting does not depend on the input's size.
// There is deliberately no fixed soft memory limit (issue 16): a limit
// below the live heap of a large input makes the runtime collect
// continuously — a 176 MiB limit made a 40,000-backend lint 8x slower
// than a 10,000-backend one. Peak memory is kept down by allocating less instead
// (docs/benchmarks.md).
//
// `apimlab gateway` is a server and keeps Go's default (GOGC 100): its
// live heap grows with the connections it holds, and GOGC 400 let an
// overloaded gateway's heap reach 5x that (283 MiB instead of 84 MiB in
// the same 30 s soak, docs/benchmarks.md) and hold the memory after the
// load. GOGC and GOMEMLIMIT in the environment still win.
func tuneGC(args []string) {
	if os.Getenv("GOGC") != "" || commandName(args) == "gateway" {
		return
	}
	debug.SetGCPercent(400)
	gcTuned = true
}

// gcTuned records that tuneGC set the collector (GOGC 400): duringBuild's
// rule of three times the live heap is made for that setting, and must
// not force collections on a user who set GOGC (off, or 1000) themselves.
var gcTuned bool

// afterLoad collects garbage once between loading a configuration and
// linting it. By then the positioned JSON tree and the ARM intermediates
// are garbage; with GOGC 400 the runtime would not collect them before the
// run ends, so lint's own allocations would land on fresh pages. One
// collection at this phase boundary lets lint reuse that memory: on issue
// 16's sweep peak RSS fell by about a quarter at 10,000 and 40,000 backends
// (178 → 131 MB, 714 → 520 MB) with the same CPU time (the mark costs what
// the saved page faults cost). It is the command's policy, not the
// loader's: a library must not force collections.
func afterLoad() { runtime.GC() }

// beforeBuild runs between resolving a template and building the model
// from it (load.Options.Resolved). It collects when the runtime could start a
// collection on its own any moment: the heap is past the point where Go's
// pacer may trigger one (about 70% of the way from the live heap to the
// goal). Collecting then does the marking at a quiet point instead of in
// the middle of the build, where both cores allocate and the collector's
// assists and write barriers slow them down; on issue 16's sweep inputs a
// collection otherwise fell inside the build in most runs (with it lint's
// median CPU time went from 0.38 to 0.32 s at 10,000 backends and from 1.6
// to 1.33 s at 40,000). Collecting no earlier than that matters at 40,000
// backends: the build releases each resource once built, so a collection
// a few steps into the build frees that part of the parse tree for the
// rest of it, where one before the build freed only the resolution's
// garbage (sweep peak RSS 424 → 382 MB, CPU unchanged; docs/benchmarks.md).
// Below that point none is forced, so a folder of many templates does not
// collect once per template.
func beforeBuild() { collectIfDue(false) }

// duringBuild runs between the steps of a large build
// (load.Options.Building), done of steps built. It collects where
// beforeBuild does, and also once the heap is three times the live heap of
// the last collection: when that collection fell in the middle of a large
// parse (sooner since the parse runs on every core, jsontree), its larger
// live heap moved the goal so far that the build of a 40,000-backend
// template ran on fresh pages (peak RSS 397–406 MB against 378–386 MB).
// Not before the build: there a collection frees the resolution's garbage
// but none of the parse tree, and the build then grows the heap from there
// (with the template resolved on every core, the heap at that point stood
// near three times the live heap, and the runs that collected there peaked
// at 383 MB against 345 MB).
//
// Halfway through the build it collects from one and a half times the
// live heap: half the parse tree is released by then, and the rest of the
// build and lint itself reuse that memory. Once the resolution allocated half as much,
// the three-times point was no longer reached before the build ended, and
// the model was built on fresh pages (at 40,000 backends peak RSS 307 →
// 272 MB and 74,700 → 65,900 page faults; CPU 40 and 70 ms less in two
// quiet alternated runs of seven and nine, 30 ms more in one on a loaded
// machine; docs/benchmarks.md). The point was twice the live heap until
// the heap was on huge pages (beforeRead): the parse then ran faster than
// the collection that falls in it, which ended with more of the tree live
// (127 MB instead of 111 at 40,000 backends), the halfway heap stayed
// below twice that, and peak RSS went 281 or 315 MB from run to run. From
// one and a half times it is 281 MB in every run, for about 45 ms more
// wall time (eight alternated runs). At 10,000 backends it collects there
// either way. The point applies whether or not the heap is on huge pages
// (Prepare does nothing under THP "always" or "never", a resource limit,
// or GODEBUG=disablethp=1); without them peak RSS measured 1.80× and 1.83×
// the floor's at 10,000 and 40,000 backends, against 1.82–1.85× with them
// (docs/benchmarks.md, last column).
func duringBuild(done, steps int) {
	if gcTuned && 2*done == steps {
		if heap, live, _, ok := heapLiveGoal(); ok && live > 0 && 2*heap >= 3*live {
			runtime.GC()
			return
		}
	}
	collectIfDue(true)
}

// beforeRead runs before the loader reads a JSON file of size bytes
// (load.Options.Reading). At the first file of hugeMin bytes or more it
// prepares hugeFactor times its size of heap on transparent huge pages
// (hugeheap.Prepare, Linux with transparent_hugepage "madvise"): once
// per run, while the heap is small, because preparing collects garbage.
// On issue 16's 40,000-backend template the run then takes about 4,700
// page faults instead of 66,000 and a third less wall and CPU time, with
// the same peak RSS since the halfway collection moved (duringBuild); at
// 10,000 backends 2,700–2,900 instead of 17,600 (docs/benchmarks.md). The heap a run needs is
// about 8 times the template's size with the sweep's templates and 23
// times with one of many API policies; memory prepared and never used is
// address space only. GODEBUG=disablethp=1 turns it off.
func beforeRead(size int64) {
	if hugePrepared.done || size < hugeMin {
		return
	}
	hugePrepared.done = true
	start, before := time.Now(), allocated()
	hugePrepared.advised = hugeheap.Prepare(hugeFactor * size)
	hugePrepared.wall, hugePrepared.alloc = time.Since(start), allocated()-before
}

const (
	hugeMin    = 256 << 10
	hugeFactor = 24
)

// hugePrepared records what beforeRead did, for --timings.
var hugePrepared struct {
	done    bool
	advised int64         // bytes of heap advised for huge pages
	wall    time.Duration // time taken
	alloc   uint64        // heap bytes allocated (and freed at once) to map it
}

// collectIfDue collects when collectionDue says so; building enables its
// three-times rule (when apimlab tuned the collector).
func collectIfDue(building bool) {
	if heap, live, goal, ok := heapLiveGoal(); ok && collectionDue(heap, live, goal, gcTuned && building) {
		runtime.GC()
	}
}

// collectionDue reports whether the heap has passed the earliest point at
// which the runtime may trigger a collection, 45/64 of the way from the
// live heap to the goal (the pacer's minimum trigger), or, when tuned
// (apimlab set GOGC 400, whose trigger is at 3.8 times), three times the
// live heap.
func collectionDue(heap, live, goal uint64, tuned bool) bool {
	return goal > live && (heap >= live+(goal-live)*45/64 || tuned && live > 0 && heap >= 3*live)
}

// heapLiveGoal reads the bytes of heap objects (live and not yet swept),
// the live heap as of the last collection and the collector's current
// heap goal.
func heapLiveGoal() (heap, live, goal uint64, ok bool) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	for _, x := range s {
		if x.Value.Kind() != metrics.KindUint64 {
			return 0, 0, 0, false
		}
	}
	return s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64(), true
}

// commandName is the first argument that is not a flag.
func commandName(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}
