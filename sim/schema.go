package sim

import (
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
