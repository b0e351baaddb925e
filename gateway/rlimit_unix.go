//go:build unix

package gateway

import "syscall"

// RaiseFileLimit raises the process's soft limit of open files to its hard
// limit and returns the resulting limits. Go's runtime already does this
// at start on most Unix systems (Go 1.19+); calling it again is harmless
// and reports the figure the gateway's defaults must fit in (every client
// and backend connection is a file descriptor).
func RaiseFileLimit() (soft, hard uint64, err error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0, err
	}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return uint64(rl.Cur), uint64(rl.Max), err
		}
		rl = want
	}
	return uint64(rl.Cur), uint64(rl.Max), nil
}
