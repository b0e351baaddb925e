package certs

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testNow is the fixed reference time of every test PKI.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// newTestPKI generates a fresh PKI for one test.
func newTestPKI(t *testing.T) *PKI {
	t.Helper()
	p, err := NewPKI(InitOptions{Now: testNow})
	if err != nil {
		t.Fatalf("NewPKI: %v", err)
	}
	return p
}
