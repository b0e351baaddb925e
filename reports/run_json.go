package reports

import (
	"io"

	"github.com/apimlab/apimlab/sim"
)

// RunJSON prints the result itself as indented JSON: the versioned format
// (sim.ResultVersion) that `apimlab report` reads back with
// sim.ReadResult, so a saved run re-renders in any other format.
type RunJSON struct{}

// Print implements RunPrinter.
func (RunJSON) Print(w io.Writer, r *sim.Result) error { return r.WriteJSON(w) }
