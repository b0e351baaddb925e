package load

import (
	"runtime"
	"sync"

	"github.com/apimlab/apimlab/apim"
)

// addAll adds resources in order. Backends, which large templates hold by
// the thousand and which are independent of each other, are built on every
// core in contiguous chunks; their order in Service.Backends and their
// issues are the same as a sequential build's.
func (b *builder) addAll(rs []*resource) {
	var backends []*resource
	for _, r := range rs {
		if r.Kind == "backends" {
			backends = append(backends, r)
			continue
		}
		b.add(r)
	}
	workers := min(runtime.GOMAXPROCS(0), len(backends)/256)
	if b.sequential {
		workers = 1
	}
	if workers < 2 {
		for _, r := range backends {
			b.add(r)
		}
		return
	}
	parts := make([]*builder, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(backends)/workers, (w+1)*len(backends)/workers
		part := &builder{svc: &apim.Service{Backends: make([]*apim.Backend, 0, hi-lo)}}
		part.dec.issues = &part.svc.Issues
		parts[w] = part
		wg.Go(func() {
			for _, r := range backends[lo:hi] {
				part.backend(r)
			}
		})
	}
	wg.Wait()
	for _, part := range parts {
		b.svc.Backends = append(b.svc.Backends, part.svc.Backends...)
		b.svc.Issues = append(b.svc.Issues, part.svc.Issues...)
	}
}
