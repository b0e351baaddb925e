package backends

import (
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/clock"
)

// BenchmarkAcquireDone measures one request's trip through a weighted pool
// of breakers: select, admit, record.
func BenchmarkAcquireDone(b *testing.B) {
	svc := &apim.Service{Backends: []*apim.Backend{
		single("a", countRule(1<<30, time.Minute)), single("b", countRule(1<<30, time.Minute)), single("c", countRule(1<<30, time.Minute)),
		poolOf("p", member("a", 0, 3), member("b", 0, 1), member("c", 1, 1))}}
	s, ps := New(svc, Options{Clock: clock.NewVirtual(t0)})
	if len(ps) > 0 {
		b.Fatal(ps)
	}
	p := s.Lookup("p")
	b.ReportAllocs()
	for b.Loop() {
		l, err := p.Acquire("")
		if err != nil {
			b.Fatal(err)
		}
		l.Done(ok200)
	}
}
