package breaker

import (
	"testing"
	"time"
)

func benchBreaker(b *testing.B, now func() time.Time) *Breaker {
	br, err := New(Settings{Name: "bench", Count: 1 << 30, Interval: time.Minute, TripDuration: time.Minute, StatusRanges: server, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	return br
}

// BenchmarkAllowDone is the closed path the gateway takes per request.
func BenchmarkAllowDone(b *testing.B) {
	br := benchBreaker(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		done, err := br.Allow()
		if err != nil {
			b.Fatal(err)
		}
		done(succ)
	}
}

// BenchmarkAllowDoneVirtualClock is the model engine's path: a virtual clock
// advancing 1ms per request.
func BenchmarkAllowDoneVirtualClock(b *testing.B) {
	t := time.Unix(0, 0)
	br := benchBreaker(b, func() time.Time { return t })
	b.ReportAllocs()
	for b.Loop() {
		t = t.Add(time.Millisecond)
		done, err := br.Allow()
		if err != nil {
			b.Fatal(err)
		}
		done(fail)
	}
}

func BenchmarkAllowDoneParallel(b *testing.B) {
	br := benchBreaker(b, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			done, err := br.Allow()
			if err != nil {
				b.Error(err)
				return
			}
			done(succ)
		}
	})
}

func BenchmarkAllowOpen(b *testing.B) {
	t := time.Unix(0, 0)
	br, _ := New(Settings{Count: 1, Interval: time.Minute, TripDuration: time.Hour, StatusRanges: server, Now: func() time.Time { return t }})
	_ = send(br, fail)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := br.Allow(); err == nil {
			b.Fatal("admitted while open")
		}
	}
}
