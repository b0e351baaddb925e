package load

import (
	"runtime"
	"sync"

	"github.com/apimlab/apimlab/apim"
)

// buildSteps is the number of steps a large backend build is split into
// when Options.Building is set; the hook runs between them.
const buildSteps = 8

// inSteps reports whether a build of n backends runs in buildSteps steps
// with the building hook between them.
func inSteps(n int, building func(done, steps int)) bool {
	return building != nil && n >= 256*buildSteps
}

// addAll adds resources in order, releasing each once built (release).
// Backends, which large templates hold by the thousand and which are
// independent of each other, are built on every core in contiguous chunks;
// their order in Service.Backends and their issues are the same as a
// sequential build's. With a Building hook, a build of many backends runs
// in buildSteps steps, every core on its next part of its chunk, with the
// hook between steps.
func (b *builder) addAll(rs []*resource) {
	var backends []*resource
	for _, r := range rs {
		if r.Kind == "backends" {
			backends = append(backends, r)
			continue
		}
		b.add(r)
		r.release()
	}
	workers := min(runtime.GOMAXPROCS(0), len(backends)/256)
	if b.sequential {
		workers = 1
	}
	steps := 1
	if inSteps(len(backends), b.building) {
		steps = buildSteps
	}
	if workers < 2 {
		for s := range steps {
			if s > 0 {
				b.building(s, steps)
			}
			for _, r := range backends[s*len(backends)/steps : (s+1)*len(backends)/steps] {
				b.backend(r)
				r.release()
			}
		}
		return
	}
	parts := make([]*builder, workers)
	for w := range parts {
		n := (w+1)*len(backends)/workers - w*len(backends)/workers
		parts[w] = &builder{svc: &apim.Service{Backends: make([]*apim.Backend, 0, n)}}
		parts[w].dec.issues = &parts[w].svc.Issues
	}
	for s := range steps {
		if s > 0 {
			b.building(s, steps)
		}
		var wg sync.WaitGroup
		for w, part := range parts {
			lo, hi := w*len(backends)/workers, (w+1)*len(backends)/workers
			chunk := backends[lo+s*(hi-lo)/steps : lo+(s+1)*(hi-lo)/steps]
			wg.Go(func() {
				for _, r := range chunk {
					part.backend(r)
					r.release()
				}
			})
		}
		wg.Wait()
	}
	for _, part := range parts {
		b.svc.Backends = append(b.svc.Backends, part.svc.Backends...)
		b.svc.Issues = append(b.svc.Issues, part.svc.Issues...)
	}
}
