// Package errw is a writer that remembers its first error, so printers can
// write many small pieces and check once at the end — and never report
// success after a failed write (a truncated SARIF with exit 0).
package errw

import (
	"fmt"
	"io"
)

// Writer wraps W and keeps the first write error in Err; after an error,
// every further write is skipped.
type Writer struct {
	W   io.Writer
	Err error
}

// New wraps w.
func New(w io.Writer) *Writer { return &Writer{W: w} }

// Write implements io.Writer.
func (e *Writer) Write(p []byte) (int, error) {
	if e.Err != nil {
		return 0, e.Err
	}
	n, err := e.W.Write(p)
	e.Err = err
	return n, err
}

// Printf formats to the writer unless an earlier write failed.
func (e *Writer) Printf(format string, args ...any) {
	if e.Err == nil {
		_, e.Err = fmt.Fprintf(e.W, format, args...)
	}
}
