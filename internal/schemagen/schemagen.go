// Package schemagen turns Go types into the JSON Schemas apimlab ships for
// editors (the yaml-language-server `$schema` line) and checks that a
// schema file in the repository is what the types generate today.
//
// Generation is github.com/invopop/jsonschema with one policy for every
// apimlab schema: draft 2020-12, property names from `yaml` tags (the
// files are YAML), unknown properties rejected (our decoders are strict),
// definitions inlined so the file reads top to bottom, and descriptions
// taken from the types' Go doc comments, so the schema says what the doc
// comments say. The package is used by go generate programs and by the
// tests that keep the generated files current.
package schemagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/invopop/jsonschema"
)

// Options describe one schema.
type Options struct {
	// ID is the schema's $id: the URL editors fetch it from.
	ID string
	// Title and Description head the schema.
	Title, Description string
	// Package is the import path of the package in the working
	// directory that declares the types; its doc comments become the
	// descriptions. go generate and go test both run in the package's
	// folder, so generator and test see the same comments. Empty means
	// no descriptions from comments.
	Package string
}

// ErrStale is wrapped by Check when a schema file differs from what the
// types generate.
var ErrStale = errors.New("schema file is stale")

// Generate reflects v (a value of the document's root type) into a JSON
// Schema and returns it indented, with a trailing newline.
func Generate(v any, opts Options) ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		ExpandedStruct:             true,
		DoNotReference:             true,
	}
	if opts.Package != "" {
		// Comments are keyed by base joined with each file's folder:
		// walking "." keys the package's own files by its import path.
		if err := r.AddGoComments(opts.Package, "."); err != nil {
			return nil, fmt.Errorf("reading doc comments of %s: %w", opts.Package, err)
		}
	}
	s := r.Reflect(v)
	s.Version = "https://json-schema.org/draft/2020-12/schema"
	s.ID = jsonschema.ID(opts.ID)
	if opts.Title != "" {
		s.Title = opts.Title
	}
	if opts.Description != "" {
		s.Description = opts.Description
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write writes a generated schema to path (for go generate programs).
func Write(path string, schema []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, schema, 0o644)
}

// Check reports whether the file at path holds exactly schema; a
// difference is an error wrapping ErrStale that names the command to run.
func Check(path string, schema []byte, regenerate string) error {
	got, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %v (run %s)", ErrStale, err, regenerate)
	}
	if !bytes.Equal(got, schema) {
		return fmt.Errorf("%w: %s differs from what the Go types generate (run %s)", ErrStale, path, regenerate)
	}
	return nil
}
