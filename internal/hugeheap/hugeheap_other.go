//go:build !linux

package hugeheap

// Prepare does nothing outside Linux and returns 0.
func Prepare(n int64) int64 { return 0 }
