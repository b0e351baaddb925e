package policy

import (
	"slices"
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Kind says what role an element name plays in a policy document.
type Kind int

// The element kinds.
const (
	// KindPolicy is a policy statement: it may appear directly in a section
	// (and possibly nested in other policies, see Info.Parents).
	KindPolicy Kind = iota + 1
	// KindChild is an element that only appears inside another policy
	// (<when> inside <choose>, <value> inside <set-header>).
	KindChild
	// KindSection is <inbound>, <backend>, <outbound> or <on-error>.
	KindSection
	// KindRoot is <policies> or <fragment>.
	KindRoot
	// KindResolver is a GraphQL resolver data-source policy; it is the root
	// (or the backend) of a resolver policy, not a statement of an API
	// policy's sections.
	KindResolver
)

func (k Kind) String() string {
	switch k {
	case KindPolicy:
		return "policy"
	case KindChild:
		return "child element"
	case KindSection:
		return "section"
	case KindRoot:
		return "root"
	case KindResolver:
		return "GraphQL resolver policy"
	}
	return "unknown"
}

// Info describes a known policy element.
type Info struct {
	// Name is the element name.
	Name string
	Kind Kind
	// Sections lists the sections a policy statement may be used in (per
	// the "Usage: Policy sections" line of its Microsoft Learn reference).
	// Empty for child elements, sections and roots.
	Sections []Section
	// Parents lists the elements it may appear inside: for a child element,
	// where it belongs; for a policy, other policies that may also contain
	// it (set-header inside return-response or send-request).
	Parents []string
	// Category is the group of the policy reference index ("routing",
	// "transformation", …) or "element" for child elements.
	Category string
}

// AllowedIn reports whether a policy statement may be used in section s.
// Child elements and structural elements report false.
func (i Info) AllowedIn(s Section) bool {
	for _, x := range i.Sections {
		if x == s {
			return true
		}
	}
	return false
}

// TopLevel reports whether the element is a policy statement (it may
// appear directly in a section).
func (i Info) TopLevel() bool { return i.Kind == KindPolicy }

// DocURL returns the Microsoft Learn reference page of a policy or resolver
// policy, or "" for other elements.
func (i Info) DocURL() string {
	if i.Kind != KindPolicy && i.Kind != KindResolver {
		return ""
	}
	if i.Name == "base" {
		return "https://learn.microsoft.com/azure/api-management/api-management-howto-policies"
	}
	if i.Name == "when" || i.Name == "otherwise" {
		return "https://learn.microsoft.com/azure/api-management/choose-policy"
	}
	return "https://learn.microsoft.com/azure/api-management/" + i.Name + "-policy"
}

// Section sets used by the catalogue.
var (
	secI    = []Section{Inbound}
	secB    = []Section{Backend}
	secO    = []Section{Outbound}
	secIB   = []Section{Inbound, Backend}
	secIE   = []Section{Inbound, OnError}
	secIO   = []Section{Inbound, Outbound}
	secOE   = []Section{Outbound, OnError}
	secIOE  = []Section{Inbound, Outbound, OnError}
	secIBO  = []Section{Inbound, Backend, Outbound}
	secIBOE = []Section{Inbound, Backend, Outbound, OnError}
)

// catalogue is the Microsoft API Management policy reference
// (learn.microsoft.com/azure/api-management/api-management-policies, and
// each policy's "Usage" section; on-error per "Policies allowed in
// on-error" of api-management-error-handling-policies) as of 2025: rate
// limiting and quotas, authentication and authorization, content
// validation, routing, caching, transformation, cross-domain, integration,
// logging, AI gateway (azure-openai-* and llm-*), GraphQL resolvers, Dapr
// and control flow. It is built once and never modified.
var catalogue = buildCatalogue()

func policy(name, category string, sections []Section, parents ...string) Info {
	return Info{Name: name, Kind: KindPolicy, Sections: sections, Parents: parents, Category: category}
}

func child(name string, parents ...string) Info {
	return Info{Name: name, Kind: KindChild, Parents: parents, Category: "element"}
}

func resolver(name string, parents ...string) Info {
	return Info{Name: name, Kind: KindResolver, Sections: secB, Parents: parents, Category: "graphql-resolver"}
}

func buildCatalogue() map[string]Info {
	sendLike := []string{"send-request", "send-one-way-request"}
	list := []Info{
		{Name: "policies", Kind: KindRoot, Category: "structure"},
		{Name: "fragment", Kind: KindRoot, Category: "structure"},
		{Name: "inbound", Kind: KindSection, Parents: []string{"policies"}, Category: "structure"},
		{Name: "backend", Kind: KindSection, Parents: []string{"policies", "http-request"}, Category: "structure"},
		{Name: "outbound", Kind: KindSection, Parents: []string{"policies"}, Category: "structure"},
		{Name: "on-error", Kind: KindSection, Parents: []string{"policies"}, Category: "structure"},
		policy("base", "structure", secIBOE),

		// Rate limiting and quotas.
		policy("rate-limit", "rate-limiting", secI),
		policy("rate-limit-by-key", "rate-limiting", secI),
		policy("quota", "rate-limiting", secI),
		policy("quota-by-key", "rate-limiting", secI),
		policy("limit-concurrency", "rate-limiting", secIBOE),
		policy("azure-openai-token-limit", "ai-gateway", secI),
		policy("llm-token-limit", "ai-gateway", secI),
		child("api", "rate-limit", "quota"),
		child("operation", "api"),

		// Authentication and authorization.
		policy("check-header", "authentication", secI),
		policy("get-authorization-context", "authentication", secI),
		policy("ip-filter", "authentication", secI),
		policy("validate-azure-ad-token", "authentication", secI),
		policy("validate-jwt", "authentication", secI),
		policy("validate-client-certificate", "authentication", secI),
		policy("authentication-basic", "authentication", secI, sendLike...),
		policy("authentication-certificate", "authentication", secI, sendLike...),
		policy("authentication-managed-identity", "authentication", secI, sendLike...),
		child("address", "ip-filter"),
		child("address-range", "ip-filter"),
		child("openid-config", "validate-jwt"),
		child("issuer-signing-keys", "validate-jwt"),
		child("key", "issuer-signing-keys", "decryption-keys"),
		child("decryption-keys", "validate-jwt", "validate-azure-ad-token"),
		child("audiences", "validate-jwt", "validate-azure-ad-token"),
		child("audience", "audiences"),
		child("issuers", "validate-jwt"),
		child("issuer", "issuers"),
		child("required-claims", "validate-jwt", "validate-azure-ad-token"),
		child("claim", "required-claims"),
		child("client-application-ids", "validate-azure-ad-token"),
		child("backend-application-ids", "validate-azure-ad-token"),
		child("application-id", "client-application-ids", "backend-application-ids"),
		child("identities", "validate-client-certificate"),
		child("identity", "identities"),

		// Content validation.
		policy("validate-content", "validation", secIOE),
		policy("validate-graphql-request", "validation", secI),
		policy("validate-odata-request", "validation", secI),
		policy("validate-parameters", "validation", secI),
		policy("validate-headers", "validation", secOE),
		policy("validate-status-code", "validation", secOE),
		policy("llm-content-safety", "ai-gateway", secI),
		child("content-type-map", "validate-content"),
		child("type", "content-type-map"),
		child("content", "validate-content"),
		child("headers", "validate-parameters"),
		child("query", "validate-parameters"),
		child("path", "validate-parameters"),
		child("parameter", "headers", "query", "path", "parameters", "xsl-transform"),
		child("status-code", "validate-status-code"),
		child("authorize", "validate-graphql-request"),
		child("rule", "authorize"),
		child("categories", "llm-content-safety"),
		child("category", "categories"),
		child("blocklists", "llm-content-safety"),
		child("id", "blocklists", "read-request", "delete-request"),

		// Routing.
		policy("forward-request", "routing", secB),
		policy("set-backend-service", "routing", secIB, "backend"),
		policy("proxy", "routing", secI, sendLike...),

		// Caching.
		policy("cache-lookup", "caching", secI),
		policy("cache-store", "caching", secO),
		policy("cache-lookup-value", "caching", secIBOE, "wait"),
		policy("cache-store-value", "caching", secIBOE),
		policy("cache-remove-value", "caching", secIBOE),
		policy("azure-openai-semantic-cache-lookup", "ai-gateway", secI),
		policy("azure-openai-semantic-cache-store", "ai-gateway", secO),
		policy("llm-semantic-cache-lookup", "ai-gateway", secI),
		policy("llm-semantic-cache-store", "ai-gateway", secO),
		child("vary-by-header", "cache-lookup"),
		child("vary-by-query-parameter", "cache-lookup"),
		child("vary-by", "azure-openai-semantic-cache-lookup", "llm-semantic-cache-lookup"),

		// Transformation.
		policy("set-method", "transformation", secIE, sendLike...),
		policy("set-status", "transformation", secIBOE, "return-response", "mock-response"),
		policy("set-variable", "transformation", secIBOE),
		policy("set-body", "transformation", secIBO, "return-response", "send-request", "send-one-way-request", "write-request"),
		policy("set-header", "transformation", secIBOE, "return-response", "send-request", "send-one-way-request", "http-request"),
		policy("set-query-parameter", "transformation", secIB, "send-request", "send-one-way-request"),
		policy("rewrite-uri", "transformation", secI),
		policy("json-to-xml", "transformation", secIOE),
		policy("xml-to-json", "transformation", secIOE),
		policy("find-and-replace", "transformation", secIBOE),
		policy("redirect-content-urls", "transformation", secIO),
		policy("xsl-transform", "transformation", secIO),
		policy("return-response", "transformation", secIBOE),
		policy("mock-response", "transformation", secIOE),
		child("value", "set-header", "set-query-parameter", "check-header", "claim"),
		child("set-url", "send-request", "send-one-way-request", "http-request"),

		// Cross-domain.
		policy("cross-domain", "cross-domain", secI),
		policy("cors", "cross-domain", secI),
		policy("jsonp", "cross-domain", secO),
		child("allowed-origins", "cors"),
		child("origin", "allowed-origins"),
		child("allowed-methods", "cors"),
		child("method", "allowed-methods"),
		child("allowed-headers", "cors"),
		child("expose-headers", "cors"),
		child("header", "allowed-headers", "expose-headers", "validate-headers"),

		// Integration and external communication.
		policy("send-request", "integration", secIBOE, "wait"),
		policy("send-one-way-request", "integration", secIBOE),
		policy("log-to-eventhub", "integration", secIBOE),
		policy("publish-to-dapr", "integration", secIOE),
		policy("invoke-dapr-binding", "integration", secIOE),
		policy("send-service-bus-message", "integration", secIOE),
		child("message-properties", "send-service-bus-message"),
		child("message-property", "message-properties"),
		child("payload", "send-service-bus-message"),
		child("data", "invoke-dapr-binding"),
		child("item", "metadata"),

		// Logging.
		policy("trace", "logging", secIBOE),
		policy("emit-metric", "logging", secIBOE),
		policy("azure-openai-emit-token-metric", "ai-gateway", secI),
		policy("llm-emit-token-metric", "ai-gateway", secI),
		child("message", "trace"),
		child("metadata", "trace", "invoke-dapr-binding"),
		child("dimension", "emit-metric", "azure-openai-emit-token-metric", "llm-emit-token-metric"),

		// GraphQL resolvers.
		resolver("http-data-source"),
		resolver("sql-data-source"),
		resolver("cosmosdb-data-source"),
		resolver("publish-event", "http-response"),
		child("http-request", "http-data-source"),
		child("http-response", "http-data-source"),
		child("targets", "publish-event"),
		child("graphql-subscription", "targets"),
		child("connection-info", "sql-data-source", "cosmosdb-data-source"),
		child("connection-string", "connection-info"),
		child("database-name", "connection-info"),
		child("container-name", "connection-info"),
		child("request", "sql-data-source"),
		child("response", "sql-data-source", "cosmosdb-data-source"),
		child("sql-statement", "request", "query-request"),
		child("parameters", "request", "query-request"),
		child("query-request", "cosmosdb-data-source"),
		child("read-request", "cosmosdb-data-source"),
		child("delete-request", "cosmosdb-data-source"),
		child("write-request", "cosmosdb-data-source"),
		child("paging", "query-request"),
		child("max-item-count", "paging"),
		child("continuation-token", "paging"),
		child("partition-key", "query-request", "read-request", "delete-request", "write-request"),

		// Policy control and flow.
		policy("choose", "control-flow", secIBOE, "wait"),
		child("when", "choose"),
		child("otherwise", "choose"),
		policy("include-fragment", "control-flow", secIBOE),
		policy("retry", "control-flow", secIBOE),
		policy("wait", "control-flow", secIBOE),
	}
	m := make(map[string]Info, len(list))
	for _, i := range list {
		m[i.Name] = i
	}
	return m
}

// Lookup returns what the catalogue knows about an element name.
func Lookup(name string) (Info, bool) {
	i, ok := catalogue[name]
	return i.clone(), ok
}

// KindOf returns the kind of a known element name: Lookup's Kind without
// the copy of the entry's lists, for callers that ask only that (a lint
// run asks for every element of every policy).
func KindOf(name string) (Kind, bool) {
	i, ok := catalogue[name]
	return i.Kind, ok
}

// clone copies the slices so callers cannot modify the catalogue.
func (i Info) clone() Info {
	i.Sections = slices.Clone(i.Sections)
	i.Parents = slices.Clone(i.Parents)
	return i
}

// Known returns the whole catalogue sorted by name (a copy).
func Known() []Info {
	out := make([]Info, 0, len(catalogue))
	for _, i := range catalogue {
		out = append(out, i.clone())
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Suggest returns the known element name closest to name by edit distance
// ("set-heder" → "set-header"), or "" when nothing is close enough. Policy
// statements win ties over child elements.
func Suggest(name string) string {
	n := strings.ToLower(name)
	if n == "" {
		return ""
	}
	if _, ok := catalogue[n]; ok && n != name {
		return n // only the case differs
	}
	known := Known()
	cands := make([]string, len(known))
	for i, k := range known {
		cands[i] = k.Name
	}
	return nearest(n, cands, func(c string) bool { return catalogue[c].Kind == KindPolicy })
}

// nearest returns the candidate closest to n by edit distance, or "" when
// the closest is further than the limit for n's length (1 edit below 5
// characters, 2 below 12, 3 from 12). A candidate equal to n is returned
// as is. Among candidates at the same distance the first wins, unless
// preferred (may be nil) favours a later one. It is the one did-you-mean
// of the policy catalogue (element and attribute names).
func nearest(n string, cands []string, preferred func(string) bool) string {
	if n == "" {
		return ""
	}
	limit := 1
	switch {
	case len(n) >= 12:
		limit = 3
	case len(n) >= 5:
		limit = 2
	}
	best, bestD, bestPref := "", limit+1, false
	for _, c := range cands {
		d := levenshtein.ComputeDistance(n, c)
		pref := preferred != nil && preferred(c)
		if d < bestD || (d == bestD && d <= limit && pref && !bestPref) {
			best, bestD, bestPref = c, d, pref
		}
	}
	if bestD > limit {
		return ""
	}
	return best
}
