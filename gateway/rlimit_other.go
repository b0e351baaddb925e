//go:build !unix

package gateway

// RaiseFileLimit does nothing where there is no RLIMIT_NOFILE; it reports
// 0, 0 (unknown).
func RaiseFileLimit() (soft, hard uint64, err error) { return 0, 0, nil }
