package sim

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"

	"github.com/apimlab/apimlab/internal/schemagen"
)

//go:generate go run ./gen

// SchemaFile is where the scenario JSON Schema lives, relative to the
// module root. Scenario files point editors at it with
// `# yaml-language-server: $schema=…/docs/schemas/scenario.schema.json`.
const SchemaFile = "docs/schemas/scenario.schema.json"

// SchemaID is the scenario schema's $id.
const SchemaID = "https://github.com/apimlab/apimlab/docs/schemas/scenario.schema.json"

// GenerateSchema returns the JSON Schema of scenario files, generated from
// the Scenario type and its doc comments. It runs in this package's folder
// (go generate, go test), where it reads the doc comments.
func GenerateSchema() ([]byte, error) {
	return schemagen.Generate(&Scenario{}, schemagen.Options{
		ID:          SchemaID,
		Title:       "apimlab simulation scenario",
		Description: "A scenario for apimlab sim: the configuration under test, fake backends with fault timelines, load streams with phases, and expectations. Generated from package sim; do not edit.",
		Package:     "github.com/apimlab/apimlab/sim",
	})
}

// ResultSchemaFile is where the result JSON Schema lives, relative to the
// module root.
const ResultSchemaFile = "docs/schemas/result.schema.json"

// GenerateResultSchema returns the JSON Schema of result.json (Result,
// with its JSON field names), generated from the Go types.
func GenerateResultSchema() ([]byte, error) {
	r := &jsonschema.Reflector{ExpandedStruct: true, DoNotReference: false}
	if err := r.AddGoComments("github.com/apimlab/apimlab/sim", "."); err != nil {
		return nil, err
	}
	s := r.Reflect(&Result{})
	s.Version = "https://json-schema.org/draft/2020-12/schema"
	s.ID = "https://github.com/apimlab/apimlab/docs/schemas/result.schema.json"
	s.Title = "apimlab simulation result"
	s.Description = fmt.Sprintf("result.json written by apimlab sim (version %d). Generated from package sim; do not edit.", ResultVersion)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
