package policy

import (
	"slices"
	"strings"
)

// Attribute describes one attribute of a policy element as its Microsoft
// Learn reference page lists it.
type Attribute struct {
	// Name is the attribute name ("exists-action").
	Name string
	// Literal is true when Learn says "Policy expressions aren't allowed"
	// for the attribute: an @(…) or @{…} in it is not evaluated.
	Literal bool
}

// attr and lit build the attribute table: lit marks an attribute whose
// Learn page says policy expressions aren't allowed.
func attr(names ...string) []Attribute {
	out := make([]Attribute, len(names))
	for i, n := range names {
		out[i] = Attribute{Name: n}
	}
	return out
}

func lit(names ...string) []Attribute {
	out := attr(names...)
	for i := range out {
		out[i].Literal = true
	}
	return out
}

// attributes lists, for the policies and child elements whose Learn
// reference pages were read for it, every attribute the page documents
// (the "Policy statement" and "Attributes" sections, as of 2024–2025; each
// page is https://learn.microsoft.com/azure/api-management/<name>-policy,
// child elements on their policy's page). Elements not listed here are not
// checked: an absent entry means "not catalogued", an empty one "takes no
// attributes".
var attributes = buildAttributes()

func buildAttributes() map[string][]Attribute {
	join := func(parts ...[]Attribute) []Attribute { return slices.Concat(parts...) }
	tokenLimit := join(
		attr("counter-key", "tokens-per-minute", "token-quota-period", "estimate-prompt-tokens", "tokens-consumed-variable-name"),
		lit("token-quota", "retry-after-header-name", "retry-after-variable-name",
			"remaining-quota-tokens-header-name", "remaining-quota-tokens-variable-name",
			"remaining-tokens-header-name", "remaining-tokens-variable-name", "tokens-consumed-header-name"))
	semanticLookup := attr("score-threshold", "embeddings-backend-id", "embeddings-backend-auth",
		"ignore-system-messages", "max-message-count")
	tokenMetric := join(attr("value"), lit("namespace"))
	return map[string][]Attribute{
		// Structure and control flow.
		"base":             nil,
		"choose":           nil,
		"when":             attr("condition"),
		"otherwise":        nil,
		"include-fragment": attr("fragment-id"),
		"retry":            attr("condition", "count", "interval", "max-interval", "delta", "first-fast-retry"),
		"wait":             attr("for"),

		// Rate limiting and quotas.
		"rate-limit": lit("calls", "renewal-period", "retry-after-header-name", "retry-after-variable-name",
			"remaining-calls-header-name", "remaining-calls-variable-name", "total-calls-header-name"),
		"rate-limit-by-key": join(
			attr("calls", "renewal-period", "increment-condition", "increment-count", "counter-key"),
			lit("retry-after-header-name", "retry-after-variable-name", "remaining-calls-header-name",
				"remaining-calls-variable-name", "total-calls-header-name")),
		"quota":        lit("calls", "bandwidth", "renewal-period"),
		"quota-by-key": join(attr("increment-condition", "counter-key"), lit("calls", "bandwidth", "renewal-period", "first-period-start")),
		// <api> and <operation> of rate-limit and quota (the quota pages
		// add bandwidth).
		"api":                      join(attr("name", "id"), lit("calls", "renewal-period", "bandwidth")),
		"operation":                join(attr("name", "id"), lit("calls", "renewal-period", "bandwidth")),
		"limit-concurrency":        join(attr("key"), lit("max-count")),
		"azure-openai-token-limit": tokenLimit,
		"llm-token-limit":          tokenLimit,

		// Authentication and authorization.
		"check-header":  attr("name", "failed-check-httpcode", "failed-check-error-message", "ignore-case"),
		"ip-filter":     attr("action"),
		"address":       nil,
		"address-range": attr("from", "to"),
		"validate-jwt": join(attr("header-name", "query-parameter-name", "token-value", "failed-validation-httpcode",
			"failed-validation-error-message", "require-expiration-time", "require-scheme", "require-signed-tokens",
			"clock-skew"), lit("output-token-variable-name")),
		"openid-config": attr("url"),
		"key":           join(attr("id", "certificate-id"), lit("n", "e")),
		"claim":         attr("name", "match", "separator"),
		"get-authorization-context": attr("provider-id", "authorization-id", "context-variable-name", "identity-type",
			"identity", "ignore-error"),
		"authentication-basic":            attr("username", "password"),
		"authentication-certificate":      attr("thumbprint", "certificate-id", "body", "password"),
		"authentication-managed-identity": join(attr("resource", "ignore-error"), lit("client-id", "output-token-variable-name")),

		// Content validation (<parameter> and <header> are shared with
		// other policies, so they are not listed).
		"validate-content": attr("unspecified-content-type-action", "max-size", "size-exceeded-action",
			"errors-variable-name"),
		"content-type-map": attr("any-content-type-value", "missing-content-type-value"),
		"type":             attr("from", "when", "to"),
		"content": attr("type", "validate-as", "schema-id", "schema-ref", "action", "allow-additional-properties",
			"case-insensitive-property-names"),
		"validate-parameters": join(attr("specified-parameter-action", "unspecified-parameter-action"),
			lit("errors-variable-name")),
		"headers":              attr("specified-parameter-action", "unspecified-parameter-action"),
		"query":                attr("specified-parameter-action", "unspecified-parameter-action"),
		"path":                 attr("specified-parameter-action"),
		"validate-headers":     join(attr("specified-header-action", "unspecified-header-action"), lit("errors-variable-name")),
		"validate-status-code": attr("unspecified-status-code-action", "errors-variable-name"),
		"status-code":          attr("code", "action"),

		// Routing.
		"forward-request": join(attr("http-version", "timeout", "timeout-ms", "continue-timeout", "follow-redirects",
			"buffer-request-body", "fail-on-error-status-code"), lit("buffer-response")),
		// set-backend-service: the Service Fabric attributes, and the Dapr
		// ones of backend-id="dapr" (api-management-dapr-policies).
		"set-backend-service": attr("base-url", "backend-id", "sf-resolve-condition", "sf-service-instance-name",
			"sf-partition-key", "sf-listener-name", "dapr-app-id", "dapr-method", "dapr-namespace"),
		"proxy": attr("url", "username", "password"),

		// Caching.
		"cache-lookup": join(attr("vary-by-developer", "vary-by-developer-groups", "downstream-caching-type",
			"must-revalidate", "allow-private-response-caching"), lit("caching-type")),
		"cache-store":                        attr("duration", "cache-response"),
		"cache-lookup-value":                 join(attr("key", "default-value"), lit("variable-name", "caching-type")),
		"cache-store-value":                  join(attr("key", "value", "duration"), lit("caching-type")),
		"cache-remove-value":                 join(attr("key"), lit("caching-type")),
		"azure-openai-semantic-cache-lookup": semanticLookup,
		"llm-semantic-cache-lookup":          semanticLookup,
		"azure-openai-semantic-cache-store":  attr("duration"),
		"llm-semantic-cache-store":           attr("duration"),

		// Transformation.
		"set-method":          nil,
		"set-status":          attr("code", "reason"),
		"set-variable":        join(attr("value"), lit("name")),
		"set-body":            join(attr("template"), lit("xsi-nil", "parse-date")),
		"set-header":          attr("name", "exists-action"),
		"set-query-parameter": attr("name", "exists-action"),
		"value":               nil,
		"rewrite-uri":         attr("template", "copy-unmatched-params"),
		"json-to-xml": join(attr("apply", "consider-accept-header", "namespace-separator", "namespace-prefix",
			"attribute-block-name"), lit("parse-date")),
		"xml-to-json":      attr("kind", "apply", "consider-accept-header", "always-array-child-elements"),
		"find-and-replace": attr("from", "to"),
		"return-response":  lit("response-variable-name"),
		"mock-response":    attr("status-code", "content-type"),
		"set-url":          nil,

		// Cross-domain (the cors page; <header> is shared with
		// validate-headers, which gives it attributes, so it is not listed).
		"cors":            attr("allow-credentials", "terminate-unmatched-request"),
		"allowed-origins": nil,
		"origin":          nil,
		"allowed-methods": attr("preflight-result-max-age"),
		"method":          nil,
		"allowed-headers": nil,
		"expose-headers":  nil,
		"jsonp":           attr("callback-parameter-name"),

		// Integration and logging.
		"send-request":                   join(attr("mode", "response-variable-name", "timeout"), lit("ignore-error")),
		"send-one-way-request":           attr("mode", "timeout"),
		"log-to-eventhub":                join(attr("partition-key"), lit("logger-id", "partition-id")),
		"emit-metric":                    join(attr("value"), lit("name", "namespace")),
		"dimension":                      attr("name", "value"),
		"azure-openai-emit-token-metric": tokenMetric,
		"llm-emit-token-metric":          tokenMetric,
		"trace":                          lit("source", "severity"),
		// Dapr (self-hosted gateway). Its <metadata> takes no attributes,
		// trace's takes name and value: the one entry below allows both.
		"publish-to-dapr": join(attr("pubsub-name", "topic", "timeout", "template", "content-type"),
			lit("ignore-error", "response-variable-name")),
		"invoke-dapr-binding": join(attr("name", "timeout", "template", "content-type"),
			lit("operation", "ignore-error", "response-variable-name")),
		"item":     attr("key"),
		"data":     nil,
		"message":  nil,
		"metadata": attr("name", "value"),
	}
}

// Attributes returns the attributes the Learn reference documents for the
// element name, and whether apimlab catalogues them (false: not checked).
func Attributes(name string) ([]Attribute, bool) {
	a, ok := attributes[name]
	return slices.Clone(a), ok
}

// LookupAttribute returns the documented attribute attr of element name.
// known is false when the element's attributes are not catalogued; ok is
// false when they are and attr is not one of them. Names match exactly:
// policy attribute names are case-sensitive. Every policy statement also
// takes an id: the Azure portal writes one into the policies it generates
// (`<set-backend-service id="apim-generated-policy" backend-id="…" />` when
// it imports an Azure OpenAI API).
func LookupAttribute(name, attr string) (a Attribute, known, ok bool) {
	list, known := attributes[name]
	if !known {
		return Attribute{}, false, false
	}
	if attr == "id" && catalogue[name].Kind == KindPolicy {
		return Attribute{Name: "id"}, true, true
	}
	for _, x := range list {
		if x.Name == attr {
			return x, true, true
		}
	}
	return Attribute{}, true, false
}

// SuggestAttribute returns the documented attribute of element name
// closest to attr ("timout" → "timeout", "Exists-Action" →
// "exists-action"), or "" when none is close enough. The distance limit is
// Suggest's.
func SuggestAttribute(name, attr string) string {
	list := attributes[name]
	cands := make([]string, len(list))
	for i, a := range list {
		cands[i] = a.Name
	}
	return nearest(strings.ToLower(attr), cands, nil)
}
