package rules

import (
	"math"
	"strconv"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// PoolValueOutOfRange reports pool priorities and weights outside 0–100 or
// not integers.
var PoolValueOutOfRange = &lint.Rule{
	ID:       "APIM105",
	Name:     "pool-value-out-of-range",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A pool member's priority or weight is outside 0–100 or not an integer",
		Why: "The backend schema declares `priority` and `weight` as integers between 0 and 100; " +
			"Azure rejects other values, so the deployment fails.",
		Fix: "Use whole numbers from 0 to 100. Weights are relative, so 75/25 and 3/1 split the " +
			"same way; priorities only order groups (lower is tried first).",
		Bad: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "priority": 1, "weight": 750 },
    { "id": "/backends/orders-2", "priority": 1, "weight": 2.5 } ] } } }`,
		Good: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "priority": 1, "weight": 75 },
    { "id": "/backends/orders-2", "priority": 1, "weight": 25 } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolValueOutOfRange,
}

func checkPoolValueOutOfRange(pass *lint.Pass) {
	for _, b := range poolBackends(pass) {
		for _, m := range poolMembers(b) {
			for _, f := range []struct {
				name  string
				field apim.Field[int]
			}{{"priority", m.Priority}, {"weight", m.Weight}} {
				if !f.field.Known() {
					continue
				}
				text := f.field.Raw()
				if text == "" {
					text = strconv.Itoa(f.field.Value)
				}
				if !isWholeNumber(text) {
					pass.ReportFixf(f.field.At(m.Pos), backendSubject(b), "use a whole number from 0 to 100",
						"pool %q: member %q has %s %s, which is not an integer", b.Name, memberLabel(m), f.name, text)
					continue
				}
				if v := f.field.Value; v < 0 || v > 100 {
					written := ""
					if text != strconv.Itoa(v) {
						written = " (written " + text + ")" // 1e3, 100.0
					}
					pass.ReportFixf(f.field.At(m.Pos), backendSubject(b), "use a whole number from 0 to 100",
						"pool %q: member %q has %s %d%s, outside 0–100", b.Name, memberLabel(m), f.name, v, written)
				}
			}
		}
	}
}

// isWholeNumber reports whether the JSON number text denotes an integer:
// "3", "-0", and also "1e3" or "50.0", whose value is whole even though
// they are written with an exponent or a fraction.
func isWholeNumber(text string) bool {
	if _, err := strconv.Atoi(text); err == nil {
		return true
	}
	f, err := strconv.ParseFloat(text, 64)
	return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
}
