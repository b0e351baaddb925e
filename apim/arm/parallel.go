package arm

import (
	"errors"
	"maps"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// parallelMin is the number of top-level resources from which Resolve
// resolves them on every core; parallelChunk is how many each worker takes
// at a time. Variables in tests.
var (
	parallelMin   = 1024
	parallelChunk = 256
)

// resolveParallel resolves the top-level resources of a large template on
// every core (issue 16: resolution was the one phase of loading a large
// template left on one core). The result is the sequential one: resources
// in template order, each issue once per reason at its first place in
// template order. It declines (ok false, nothing computed that the caller
// keeps) whenever sharing the scope between workers could change a result:
//
//   - a nested deployment is declared at any level: a deployment's
//     outputs are evaluated lazily, on the first reference() to them, and
//     an outer-scope deployment shares the variables under its own
//     deployment() name;
//   - evaluating the parameters and variables up front, in declaration
//     order, reports any error: a variable that refers to itself, say,
//     names the variable its first use reaches, which depends on which
//     resource reads it first; or it takes more than evalBudget function
//     calls (the sequential resolution never evaluates a variable no
//     resource reads);
//   - a worker reads a parameter or variable at a depth where its
//     evaluation, were this its first read, could meet the depth limit
//     (readDone): the sequential value depends on where the first read is;
//   - anything panics (the sequential run then reports it as before).
//
// Everything else a resource's evaluation writes (the expression cache,
// the reasons met, issues, JSON paths, default-read counts) is the
// worker's own: each worker has a resolver of its own over a copy of the
// scope whose parameters and variables are all evaluated, and each chunk
// its own issues and reasons, so the workers only read what they share.
func resolveParallel(file string, root *value, given map[string]*value) (res *Result, s *scope, ok bool) {
	defer func() {
		if recover() != nil {
			res, s, ok = nil, nil, false // the sequential run reports it
		}
	}()
	list := root.Get("resources")
	workers := runtime.GOMAXPROCS(0)
	if list == nil || list.Kind != jsontree.Array || len(list.Elems()) < parallelMin || workers < 2 {
		return nil, nil, false
	}
	if hasDeployment(list) {
		return nil, nil, false
	}
	r := newResolver(file)
	s = r.newScope(root, given, "")
	r.budget = evalBudget(len(list.Elems()))
	if !s.evaluateAll() {
		return nil, nil, false
	}
	r.budget = 0
	s.deploys = map[string]*deployRef{} // none: checked above

	n := (len(list.Elems()) + parallelChunk - 1) / parallelChunk
	// Each chunk appends to its own part of one slice: when every chunk
	// yields one resource per declaration (no copy loop, child resource or
	// false condition), the parts are the result in template order
	// without a copy (9 MB at 40,000 backends).
	all := make([]Resource, len(list.Elems()))
	parts := make([]*resolver, n)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			w := s.newWorker(len(list.Elems()))
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				lo, hi := i*parallelChunk, min((i+1)*parallelChunk, len(list.Elems()))
				if parts[i] = w.resolveChunk(list.Elems()[lo:hi], all[lo:lo:hi]); parts[i] == nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		return nil, nil, false // a panic: the sequential run reports it
	}
	inPlace := true
	for i, p := range parts {
		lo, hi := i*parallelChunk, min((i+1)*parallelChunk, len(list.Elems()))
		inPlace = inPlace && len(p.res) == hi-lo && &p.res[0] == &all[lo]
	}
	if inPlace {
		r.res = all
	} else {
		r.res = make([]Resource, 0, len(list.Elems()))
		for _, p := range parts {
			r.res = append(r.res, p.res...)
		}
	}
	seen := map[string]bool{}
	for _, p := range parts {
		for _, is := range p.issues {
			if reason, ok := p.reasons[is]; ok {
				if seen[reason] {
					continue // an earlier chunk met it first
				}
				seen[reason] = true
			}
			r.issue(is)
		}
	}
	return r.finish(), s, true
}

// evalBudget is the number of function calls evaluating the parameters
// and variables of a template of n resources up front may take: a variable
// no resource reads is evaluated there and nowhere else, and one that is
// costly (lambdas over long ranges) must not make a parallel resolution
// slower than the sequential one, which never evaluates it.
func evalBudget(n int) int { return 16*n + 4096 }

// evaluateAll evaluates every parameter and variable of s in declaration
// order. It reports false when that found an error (an invalid or
// malformed value): those depend on the order of evaluation.
func (s *scope) evaluateAll() bool {
	e := &env{s: s}
	if ps := s.root.Get("parameters"); ps != nil && ps.Kind == jsontree.Object {
		for _, m := range ps.Members() {
			s.parameter(e, nil, m.Key)
		}
	}
	if vs := s.root.Get("variables"); vs != nil && vs.Kind == jsontree.Object {
		for _, m := range vs.Members() {
			if strings.EqualFold(m.Key, "copy") && m.Value.Kind == jsontree.Array {
				for _, c := range m.Value.Elems() {
					if n := c.Get("name").Text(); n != "" {
						s.variable(e, nil, n)
					}
				}
				continue
			}
			s.variable(e, nil, m.Key)
		}
	}
	return len(s.r.invalid) == 0 && len(s.r.issues) == 0
}

// worker is one goroutine of a parallel resolution: a resolver of its own
// over a copy of the scope. What it keeps from one chunk to the next (the
// expression cache, the JSON paths' byte blocks, the classification of
// reasons) does not change results; a cache per chunk, kept until the
// merge, held the syntax trees of every expression of the template
// (40 MB at 40,000 backends).
type worker struct {
	r *resolver
	s scope
}

func (s *scope) newWorker(resources int) *worker {
	w := &worker{s: *s}
	// The expression cache is sized for an expression of its own per
	// resource, up to its bound: the cache of a large template fills up,
	// and sized once it does not regrow.
	w.r = &resolver{
		shared:     true,
		file:       s.r.file,
		exprs:      make(map[string]exprEntry, min(maxExprs, resources)),
		funcs:      s.r.funcs,
		invalid:    make(map[string]bool),
		structural: make(map[string]bool),
		kinds:      maps.Clone(s.r.kinds),
	}
	w.s.r = w.r
	return w
}

// resolveChunk resolves list, appending its resources to res, and returns
// what the merge reads: resources, issues and their reasons (nil when the
// resolution panicked).
func (w *worker) resolveChunk(list []*value, res []Resource) (part *resolver) {
	defer func() {
		if recover() != nil {
			part = nil
		}
	}()
	r := w.r
	r.seen, r.reasons, r.issues, r.res = make(map[string]bool), make(map[*apim.Error]string), nil, res
	e := &env{s: &w.s}
	for _, d := range list {
		w.s.resource(d, nil, e)
	}
	return &resolver{res: r.res, issues: r.issues, reasons: r.reasons}
}

// errDeclined is the panic that gives up a parallel resolution (recovered
// by resolveParallel and resolveChunk): a worker read a parameter or
// variable where its first evaluation could have met the depth limit, or
// evaluating them up front took more than its budget.
var errDeclined = errors.New("arm: parallel resolution declined")

// reached records that an evaluation reached depth d.
func (r *resolver) reached(d int) {
	if d > r.reach {
		r.reach = d
	}
}

// beginHeight starts measuring the height of an evaluation; endHeight
// ends it, for an evaluation at depth base, and returns how many levels
// below base it reached.
func (r *resolver) beginHeight() (outer int) {
	outer, r.reach = r.reach, 0
	return outer
}

func (r *resolver) endHeight(outer, base int) int {
	h := max(0, r.reach-base)
	r.reach = max(outer, r.reach)
	return h
}

// readDone accounts for reading a parameter or variable already evaluated,
// whose evaluation went height levels below it. The sequential resolution
// evaluates it on its first read, at the depth of that read: the depth
// limit (maxEvalDepth) makes the value depend on where it is first read
// when that evaluation reaches the limit. A worker of a parallel
// resolution, which cannot know which read comes first in template order,
// gives up when this read could be such a first one.
func (s *scope) readDone(e *env, height int) {
	d := e.depth + 1 + height
	s.r.reached(d)
	if s.r.shared && d >= maxEvalDepth {
		panic(errDeclined)
	}
}

// hasDeployment reports whether a resources list (array, or object in
// languageVersion 2.0) declares a nested deployment at any level.
func hasDeployment(list *value) bool {
	if list == nil {
		return false
	}
	items := list.Elems()
	if list.Kind == jsontree.Object {
		items = nil
		for _, m := range list.Members() {
			items = append(items, m.Value)
		}
	}
	for _, r := range items {
		// The test instance and indexDeployments make: on the type as
		// written.
		if strings.EqualFold(r.Get("type").Text(), "Microsoft.Resources/deployments") || hasDeployment(r.Get("resources")) {
			return true
		}
	}
	return false
}
