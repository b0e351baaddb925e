package rules

import (
	"path/filepath"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// NumericAsString reports numbers and booleans of backends written as JSON
// strings.
var NumericAsString = &lint.Rule{
	ID:       "APIM208",
	Name:     "numeric-as-string",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A number or boolean is written as a string",
		Why: "`\"count\": \"3\"` is accepted by Azure's lenient deserialiser today, but schema " +
			"validators (the ARM what-if, Bicep type checks, JSON-schema based linters) reject it, " +
			"and a string that does not parse (\"3 \", \"five\") fails only at deployment. It usually " +
			"comes from a copied blog snippet or a parameter declared as string.",
		Fix: "Write the value without quotes (`\"count\": 3`, `\"acceptRetryAfter\": true`), and declare " +
			"template parameters that feed it as int or bool.",
		Bad:   `"failureCondition": { "count": "3", "interval": "PT5M", "statusCodeRanges": [ { "min": "500", "max": "599" } ] }`,
		Good:  `"failureCondition": { "count": 3, "interval": "PT5M", "statusCodeRanges": [ { "min": 500, "max": 599 } ] }`,
		Since: "0.1.0",
	},
	Check: checkNumericAsString,
}

func checkNumericAsString(pass *lint.Pass) {
	for _, b := range pass.Service.Backends {
		r := quotedReporter{pass: pass, b: b}
		if t := b.TLS; t != nil {
			r.boolField("tls.validateCertificateChain", t.ValidateCertificateChain)
			r.boolField("tls.validateCertificateName", t.ValidateCertificateName)
		}
		if sf := b.ServiceFabric; sf != nil {
			r.intField("serviceFabricCluster.maxPartitionResolutionRetries", sf.MaxPartitionResolutionRetries)
		}
		if cb := b.CircuitBreaker; cb != nil {
			for _, rule := range cb.Rules {
				r.boolField("acceptRetryAfter", rule.AcceptRetryAfter)
				if fc := rule.FailureCondition; fc != nil {
					r.intField("failureCondition.count", fc.Count)
					r.intField("failureCondition.percentage", fc.Percentage)
					for _, sr := range fc.StatusCodeRanges {
						r.intField("statusCodeRanges.min", sr.Min)
						r.intField("statusCodeRanges.max", sr.Max)
					}
				}
				if fr := rule.FailureResponse; fr != nil {
					r.intField("failureResponse.statusCode", fr.StatusCode)
				}
			}
		}
		if pc := b.PoolConfig; pc != nil {
			if fr := pc.FailureResponse; fr != nil {
				r.intField("pool.failureResponse.statusCode", fr.StatusCode)
			}
			for _, m := range pc.Services {
				r.intField("pool.services.priority", m.Priority)
				r.intField("pool.services.weight", m.Weight)
			}
		}
	}
}

type quotedReporter struct {
	pass *lint.Pass
	b    *apim.Backend
}

func (r quotedReporter) intField(name string, f apim.Field[int]) {
	if f.Quoted && f.Known() {
		r.report(name, f.Key(), f.Raw(), f.Pos)
	}
}

func (r quotedReporter) boolField(name string, f apim.Field[bool]) {
	if f.Quoted && f.Known() {
		r.report(name, f.Key(), f.Raw(), f.Pos)
	}
}

func (r quotedReporter) report(name, key, raw string, pos apim.Position) {
	r.pass.ReportFixf(pos, backendSubject(r.b), "write "+raw+" without quotes",
		"backend %q: %s is the string %q; write it as a %s",
		r.b.Name, name+spelledAs(key, lastSegment(name)), raw, kindOf(raw, pos.File))
}

func lastSegment(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			return name[i+1:]
		}
	}
	return name
}

// kindOf names what raw should be written as in the file it is in: an
// APIOps configuration.<env>.yaml override is YAML, not JSON.
func kindOf(raw, file string) string {
	lang := "JSON"
	if ext := strings.ToLower(filepath.Ext(file)); ext == ".yaml" || ext == ".yml" {
		lang = "YAML"
	}
	if equalFold(raw, "true") || equalFold(raw, "false") {
		return lang + " boolean"
	}
	return lang + " number"
}
