package reports

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// A finding keeps its SARIF fingerprint when lines above it move, and
// another problem gets another one.
func TestSARIFFingerprintIgnoresPosition(t *testing.T) {
	f := lint.Finding{Rule: "APIM001", Message: "tls off", Pos: apim.Position{File: "a.json", Line: 10, Col: 3},
		Subject: lint.Subject{Kind: "backend", Name: "orders"}}
	moved := f
	moved.Pos.Line, moved.Pos.Col = 42, 7
	other := f
	other.Subject.Name = "billing"
	if fingerprint(f) != fingerprint(moved) {
		t.Error("moving a finding changed its fingerprint")
	}
	if fingerprint(f) == fingerprint(other) {
		t.Error("findings about different backends share a fingerprint")
	}
}
