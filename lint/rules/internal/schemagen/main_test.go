package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedUpToDate regenerates the bounds table from the shared
// corpus's ARM schemas and compares it with the committed file.
func TestGeneratedUpToDate(t *testing.T) {
	const dir = "../../../../../shared/corpus/arm-schemas/schemas"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("schemas not available: %v", err)
	}
	got, err := generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../schema_bounds_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("lint/rules/schema_bounds_gen.go is stale: run go generate ./lint/...")
	}
}

func TestGenerateMissingDir(t *testing.T) {
	if _, err := generate(t.TempDir()); err == nil {
		t.Error("generate on an empty directory: no error")
	}
}
