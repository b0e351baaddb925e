package gateway

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
)

// ReasonNotEmulated is the LastError reason of a request that needs what
// apimlab does not emulate (a WebSocket API).
const ReasonNotEmulated = "NotEmulatedByApimlab"

// NotEmulated is one policy (or feature) the gateway does not run, with
// every position it appears at and what skipping it means for traffic.
type NotEmulated struct {
	Policy    string
	Kind      string // "unknown policy element" or "policy not emulated by apimlab: <kind>"
	Positions []apim.Position
	// Effect says what running without it changes for traffic
	// (--allow-unemulated).
	Effect string
}

// NotEmulated lists what the gateway skips (with AllowUnemulated) or serves
// as not emulated (WebSocket APIs), one entry per policy name.
func (g *Gateway) NotEmulated() []NotEmulated { return append([]NotEmulated(nil), g.notEmulated...) }

// skipEffects says, per policy, what --allow-unemulated means for traffic
// when the policy is skipped. Policies not listed have skipEffectDefault.
var skipEffects = map[string]string{
	"validate-content":                   "bodies are not validated: invalid requests reach the backend",
	"validate-parameters":                "parameters are not validated: invalid requests reach the backend",
	"validate-headers":                   "response headers are not validated",
	"validate-status-code":               "response status codes are not validated",
	"azure-openai-semantic-cache-lookup": "no semantic cache hits: every request reaches the backend",
	"azure-openai-semantic-cache-store":  "nothing is stored in the semantic cache",
	"llm-semantic-cache-lookup":          "no semantic cache hits: every request reaches the backend",
	"llm-semantic-cache-store":           "nothing is stored in the semantic cache",
	"llm-content-safety":                 "prompts are not screened: nothing is blocked with 403",
	"publish-to-dapr":                    "no message is published",
	"invoke-dapr-binding":                "no binding is invoked",
	"set-backend-service":                "requests go to the API's serviceUrl",
	"xsl-transform":                      "bodies pass unchanged",
	"json-to-xml":                        "bodies pass unchanged",
	"xml-to-json":                        "bodies pass unchanged",
	"send-service-bus-message":           "no message is sent",
	"set-graphql-resolver":               "the resolver does not run",
	"http-data-source":                   "the resolver does not run",
	"redirect-content-urls":              "backend URLs in bodies are not rewritten",
	"set-body":                           "the body passes unchanged",
}

const skipEffectDefault = "the policy does not run; traffic passes as if it were absent"

// unemulatedEntry records one position of an unemulated element.
func (c *compiler) recordUnemulated(e *policy.Element, kind string) {
	if c.unemu == nil {
		c.unemu = map[string]*NotEmulated{}
	}
	n := c.unemu[e.Name]
	if n == nil {
		eff := skipEffects[e.Name]
		if eff == "" {
			eff = skipEffectDefault
		}
		n = &NotEmulated{Policy: e.Name, Kind: kind, Effect: eff}
		c.unemu[e.Name] = n
		c.unemuOrder = append(c.unemuOrder, e.Name)
	}
	for _, p := range n.Positions {
		if p == e.Pos {
			return // the same element compiled for several operations
		}
	}
	n.Positions = append(n.Positions, e.Pos)
}

// finishUnemulated reports the recorded elements: one error per policy name
// naming every position, or (AllowUnemulated) one log line per name.
func (c *compiler) finishUnemulated() {
	for _, name := range c.unemuOrder {
		n := c.unemu[name]
		sort.SliceStable(n.Positions, func(i, j int) bool { return posLess(n.Positions[i], n.Positions[j]) })
		c.g.notEmulated = append(c.g.notEmulated, *n)
		where := make([]string, len(n.Positions))
		for i, p := range n.Positions {
			where[i] = p.String()
		}
		if !c.opts.AllowUnemulated {
			hint := ""
			if _, ok := policy.Lookup(name); !ok {
				if s := policy.Suggest(name); s != "" {
					hint = fmt.Sprintf(" (did you mean <%s>?)", s)
				}
			}
			more := ""
			if len(where) > 1 {
				more = fmt.Sprintf(" (%d uses; also at %s)", len(where), strings.Join(where[1:], ", "))
			}
			c.fail(n.Positions[0], "<%s>: %s%s%s; use --allow-unemulated to skip it (%s)", name, n.Kind, hint, more, n.Effect)
			continue
		}
		c.opts.Logger.Warn("skipping policy element", "element", name, "uses", len(where), "pos", strings.Join(where, ", "), "why", n.Kind, "effect", n.Effect)
	}
}

func posLess(a, b apim.Position) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}
