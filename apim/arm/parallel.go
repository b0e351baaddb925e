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
	parts := make([]*resolver, n)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			exprs := make(map[string]exprEntry) // the worker's cache
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				lo, hi := i*parallelChunk, min((i+1)*parallelChunk, len(list.Arr))
				if parts[i] = s.resolveChunk(list.Arr[lo:hi], exprs); parts[i] == nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		return nil, nil, false // a panic: the sequential run reports it
	}
	r.res = make([]Resource, 0, len(list.Arr))
	seen := map[string]bool{}
	for _, p := range parts {
		r.res = append(r.res, p.res...)
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

// resolveChunk resolves resources with a resolver of their own over a
// copy of s, and returns what the merge reads of it: resources, issues
// and their reasons (nil when the resolution panicked). exprs is the
// expression cache of the worker, kept from one chunk to the next; a
// cache per chunk, kept until the merge, held the syntax trees of every
// expression of the template (40 MB at 40,000 backends).
func (s *scope) resolveChunk(list []*value, exprs map[string]exprEntry) (wr *resolver) {
	defer func() {
		if recover() != nil {
			wr = nil
		}
	}()
	r := s.r
	wr = &resolver{
		file:       r.file,
		exprs:      exprs,
		funcs:      r.funcs,
		invalid:    make(map[string]bool),
		structural: make(map[string]bool),
		kinds:      maps.Clone(r.kinds),
		seen:       make(map[string]bool),
		reasons:    make(map[*apim.Error]string),
		res:        make([]Resource, 0, len(list)),
	}
	ws := *s
	ws.r = wr
	e := &env{s: &ws}
	for _, res := range list {
		ws.resource(res, nil, e)
	}
	return &resolver{res: wr.res, issues: wr.issues, reasons: wr.reasons}
}
