//go:build !unix

package load

import "errors"

// mkfifo is not available here; the test that needs it skips.
func mkfifo(string) error { return errors.New("named pipes are not supported on this system") }
