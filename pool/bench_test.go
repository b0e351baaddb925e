package pool

import (
	"fmt"
	"testing"
)

func BenchmarkSelect(b *testing.B) {
	for _, n := range []int{3, 30} {
		b.Run(fmt.Sprint("members=", n), func(b *testing.B) {
			specs := make([]spec, n)
			for i := range specs {
				specs[i] = spec{fmt.Sprint("m", i), i % 3, 1 + i%5}
			}
			p, _ := build(b, Options{}, specs...)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := p.Select(); !ok {
					b.Fatal("none")
				}
			}
		})
	}
}

func BenchmarkSelectFailover(b *testing.B) {
	p, sw := build(b, Options{}, spec{"a", 0, 3}, spec{"b", 0, 1}, spec{"c", 1, 1}, spec{"d", 2, 1})
	sw.set(0, false)
	sw.set(1, false)
	sw.set(2, false)
	b.ReportAllocs()
	for b.Loop() {
		if i, _ := p.Select(); i != 3 {
			b.Fatal("wrong member")
		}
	}
}

func BenchmarkSelectParallel(b *testing.B) {
	p, _ := build(b, Options{}, spec{"a", 0, 3}, spec{"b", 0, 1}, spec{"c", 1, 1})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p.Select()
		}
	})
}

func BenchmarkSelectForPinned(b *testing.B) {
	p, _ := build(b, Options{}, spec{"a", 0, 3}, spec{"b", 0, 1}, spec{"c", 1, 1})
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("session-", i)
		p.SelectFor(keys[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.SelectFor(keys[i%len(keys)])
		i++
	}
}
