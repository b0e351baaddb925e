package gen

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// FloorFinding is one finding of Floor.
type FloorFinding struct {
	Rule     string `json:"rule"`
	Resource string `json:"resource"`
	Message  string `json:"message"`
}

// floorTemplate is the part of an ARM template Floor reads, as typed
// structs: no positions, no ARM expression evaluation, no model.
type floorTemplate struct {
	Resources []struct {
		Type       string `json:"type"`
		Name       string `json:"name"`
		Properties struct {
			Type     string `json:"type"`
			URL      string `json:"url"`
			Protocol string `json:"protocol"`
			TLS      *struct {
				ValidateCertificateChain *bool `json:"validateCertificateChain"`
				ValidateCertificateName  *bool `json:"validateCertificateName"`
			} `json:"tls"`
			CircuitBreaker *struct {
				Rules []struct {
					Name             string `json:"name"`
					FailureCondition struct {
						Count            int    `json:"count"`
						Percentage       int    `json:"percentage"`
						Interval         string `json:"interval"`
						StatusCodeRanges []struct {
							Min int `json:"min"`
							Max int `json:"max"`
						} `json:"statusCodeRanges"`
						ErrorReasons []string `json:"errorReasons"`
					} `json:"failureCondition"`
					TripDuration     string `json:"tripDuration"`
					AcceptRetryAfter bool   `json:"acceptRetryAfter"`
				} `json:"rules"`
			} `json:"circuitBreaker"`
			Pool *struct {
				Services []struct {
					ID       string `json:"id"`
					Priority int    `json:"priority"`
					Weight   int    `json:"weight"`
				} `json:"services"`
			} `json:"pool"`
			Format string `json:"format"`
			Value  string `json:"value"`
		} `json:"properties"`
	} `json:"resources"`
}

// Floor is the lint floor of issue 16: the least a Go linter must do to
// check the templates ARM generates — decode the file with encoding/json
// into typed structs, parse every policy with etree, check three rules
// (TLS validation off, pool members that are not backends or have weights
// or priorities out of range, set-backend-service naming an unknown
// backend) and write the findings as JSON. No positions, no ARM
// evaluation (names are read from the last quoted segment), no model.
// Benchmarks compare apimlab's lint with it in the same run.
func Floor(data []byte, w io.Writer) (int, error) {
	var tpl floorTemplate
	if err := json.Unmarshal(data, &tpl); err != nil {
		return 0, err
	}
	backends := make(map[string]bool, len(tpl.Resources))
	for _, r := range tpl.Resources {
		if strings.HasSuffix(r.Type, "/backends") {
			backends[floorName(r.Name)] = true
		}
	}
	var fs []FloorFinding
	for _, r := range tpl.Resources {
		p := &r.Properties
		switch {
		case strings.HasSuffix(r.Type, "/backends"):
			if t := p.TLS; t != nil && (t.ValidateCertificateChain != nil && !*t.ValidateCertificateChain ||
				t.ValidateCertificateName != nil && !*t.ValidateCertificateName) {
				fs = append(fs, FloorFinding{"TLS", r.Name, "certificate validation is off"})
			}
			if p.Pool != nil {
				for _, m := range p.Pool.Services {
					if !backends[floorName(m.ID)] {
						fs = append(fs, FloorFinding{"POOL", r.Name, fmt.Sprintf("member %q is not a backend", m.ID)})
					}
					if m.Weight < 0 || m.Weight > 100 || m.Priority < 0 || m.Priority > 100 {
						fs = append(fs, FloorFinding{"POOL", r.Name, "weight or priority out of range"})
					}
				}
			}
		case strings.HasSuffix(r.Type, "/policies") && p.Value != "":
			doc := etree.NewDocument()
			if err := doc.ReadFromString(p.Value); err != nil {
				fs = append(fs, FloorFinding{"XML", r.Name, err.Error()})
				continue
			}
			for _, e := range doc.FindElements("//set-backend-service") {
				if id := e.SelectAttrValue("backend-id", ""); id != "" && !backends[id] {
					fs = append(fs, FloorFinding{"ROUTE", r.Name, fmt.Sprintf("backend %q is not declared", id)})
				}
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return len(fs), enc.Encode(fs)
}

// floorName is the backend name in an ARM name or id expression:
// "[format('{0}/b1', ...)]" → "b1", "[resourceId(..., 'b1')]" → "b1".
func floorName(s string) string {
	if rest, ok := strings.CutPrefix(s, "[resourceId("); ok {
		rest = strings.TrimSuffix(rest, "')]")
		return rest[strings.LastIndexByte(rest, '\'')+1:]
	}
	s = s[strings.LastIndexByte(s, '/')+1:]
	if i := strings.IndexByte(s, '\''); i >= 0 {
		s = s[:i]
	}
	return s
}
