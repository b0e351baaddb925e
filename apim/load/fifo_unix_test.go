//go:build unix

package load

import "syscall"

// mkfifo creates a named pipe at p.
func mkfifo(p string) error { return syscall.Mkfifo(p, 0o644) }
