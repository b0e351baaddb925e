//go:build linux

package cputime

import (
	"syscall"
	"testing"
)

// BenchmarkPageTouch measures what a page of fresh memory costs the
// first time it is written, against the second time: why lint's bytes
// allocated per phase (lint --timings) and its page faults follow its CPU
// time (docs/benchmarks.md, issue 16).
//
//	go test -run '^$' -bench PageTouch ./internal/cputime
func BenchmarkPageTouch(b *testing.B) {
	const size, page = 64 << 20, 4096
	var first, second int64
	for range b.N {
		mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			b.Fatal(err)
		}
		for pass, total := range []*int64{&first, &second} {
			start := Process()
			for i := 0; i < size; i += page {
				mem[i] = byte(pass + 1)
			}
			*total += int64(Process() - start)
		}
		if err := syscall.Munmap(mem); err != nil {
			b.Fatal(err)
		}
	}
	pages := float64(b.N) * size / page
	b.ReportMetric(float64(first)/pages, "cpu-ns/first-touch")
	b.ReportMetric(float64(second)/pages, "cpu-ns/second-touch")
}
