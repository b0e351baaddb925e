// Command gen writes the JSON Schemas of scenario files and results
// (docs/schemas/scenario.schema.json, result.schema.json). Run it with
// `go generate ./sim`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apimlab/apimlab/internal/schemagen"
	"github.com/apimlab/apimlab/sim"
)

func main() {
	// go generate runs in sim: the module root is one up.
	schema, err := sim.GenerateSchema()
	if err == nil {
		err = schemagen.Write(filepath.Join("..", sim.SchemaFile), schema)
	}
	if err == nil {
		schema, err = sim.GenerateResultSchema()
	}
	if err == nil {
		err = schemagen.Write(filepath.Join("..", sim.ResultSchemaFile), schema)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sim/gen:", err)
		os.Exit(1)
	}
}
