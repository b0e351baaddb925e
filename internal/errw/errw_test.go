package errw

import (
	"errors"
	"strings"
	"testing"
)

type failAfter struct {
	n   int
	buf strings.Builder
}

var errFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errFull
	}
	f.n--
	return f.buf.Write(p)
}

func TestWriterKeepsFirstError(t *testing.T) {
	dst := &failAfter{n: 1}
	w := New(dst)
	w.Printf("one %d,", 1)
	w.Printf("two,")
	w.Printf("three")
	if !errors.Is(w.Err, errFull) {
		t.Fatalf("Err = %v, want %v", w.Err, errFull)
	}
	if got := dst.buf.String(); got != "one 1," {
		t.Errorf("written %q, want only the first piece", got)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, errFull) {
		t.Errorf("Write after failure = %v", err)
	}
}
