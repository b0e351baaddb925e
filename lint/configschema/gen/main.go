// Command gen writes the JSON Schema of .apimlab.yaml
// (docs/schemas/apimlab.schema.json). Run it with
// `go generate ./lint/configschema`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apimlab/apimlab/internal/schemagen"
	"github.com/apimlab/apimlab/lint/configschema"
)

func main() {
	// go generate runs in lint/configschema: the module root is two up.
	schema, err := configschema.Generate()
	if err == nil {
		err = schemagen.Write(filepath.Join("..", "..", configschema.SchemaFile), schema)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "configschema/gen:", err)
		os.Exit(1)
	}
}
