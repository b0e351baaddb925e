package arm

import (
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
//   - a resource is a nested deployment: a deployment's outputs are
//     evaluated lazily, on the first reference() to them, and its scope
//     is shared;
//   - evaluating the parameters and variables up front, in declaration
//     order, reports any error: a variable that refers to itself, say,
//     names the variable its first use reaches, which depends on which
//     resource reads it first.
//
// Everything else a resource's evaluation writes (the expression cache,
// the reasons met, issues, JSON paths, default-read counts) is the
// worker's own: each chunk of resources gets a resolver of its own over a
// copy of the scope whose parameters and variables are all evaluated, so
// the workers only read what they share.
func resolveParallel(file string, root *value, given map[string]*value) (res *Result, s *scope, ok bool) {
	defer func() {
		if recover() != nil {
			res, s, ok = nil, nil, false // the sequential run reports it
		}
	}()
	list := root.Get("resources")
	workers := runtime.GOMAXPROCS(0)
	if list == nil || list.Kind != jsontree.Array || len(list.Arr) < parallelMin || workers < 2 {
		return nil, nil, false
	}
	for _, r := range list.Arr {
		// The test instance and indexDeployments make: on the type as
		// written.
		if strings.EqualFold(r.Get("type").Text(), "Microsoft.Resources/deployments") {
			return nil, nil, false
		}
	}
	r := newResolver(file)
	s = r.newScope(root, given, "")
	if !s.evaluateAll() {
		return nil, nil, false
	}
	s.deploys = map[string]*deployRef{} // none: checked above

	n := (len(list.Arr) + parallelChunk - 1) / parallelChunk
	// Each chunk appends to its own part of one slice: when every chunk
	// yields one resource per declaration (no copy loop, child resource or
	// false condition), the parts are the result in template order
	// without a copy (9 MB at 40,000 backends).
	all := make([]Resource, len(list.Arr))
	parts := make([]*resolver, n)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			w := s.newWorker()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				lo, hi := i*parallelChunk, min((i+1)*parallelChunk, len(list.Arr))
				if parts[i] = w.resolveChunk(list.Arr[lo:hi], all[lo:lo:hi]); parts[i] == nil {
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
		lo, hi := i*parallelChunk, min((i+1)*parallelChunk, len(list.Arr))
		inPlace = inPlace && len(p.res) == hi-lo && &p.res[0] == &all[lo]
	}
	if inPlace {
		r.res = all
	} else {
		r.res = make([]Resource, 0, len(list.Arr))
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

// evaluateAll evaluates every parameter and variable of s in declaration
// order. It reports false when that found an error (an invalid or
// malformed value): those depend on the order of evaluation.
func (s *scope) evaluateAll() bool {
	e := &env{s: s}
	if ps := s.root.Get("parameters"); ps != nil && ps.Kind == jsontree.Object {
		for _, m := range ps.Obj {
			s.parameter(e, nil, m.Key)
		}
	}
	if vs := s.root.Get("variables"); vs != nil && vs.Kind == jsontree.Object {
		for _, m := range vs.Obj {
			if strings.EqualFold(m.Key, "copy") && m.Value.Kind == jsontree.Array {
				for _, c := range m.Value.Arr {
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

func (s *scope) newWorker() *worker {
	w := &worker{s: *s}
	w.r = &resolver{
		file:       s.r.file,
		exprs:      make(map[string]exprEntry),
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
