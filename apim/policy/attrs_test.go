package policy

import "testing"

// The expectations below are read off the Learn reference pages, not off
// the table: e.g. forward-request lists timeout and buffer-request-body,
// set-variable says of name "Policy expressions aren't allowed".
func TestLookupAttribute(t *testing.T) {
	tests := []struct {
		elem, attr       string
		known, ok, isLit bool
	}{
		{"forward-request", "timeout", true, true, false},
		{"forward-request", "buffer-request-body", true, true, false},
		{"forward-request", "buffer-response", true, true, true},
		{"forward-request", "timout", true, false, false},
		{"set-variable", "name", true, true, true},
		{"set-variable", "value", true, true, false},
		{"set-header", "Exists-Action", true, false, false}, // case-sensitive
		{"rate-limit", "calls", true, true, true},
		{"rate-limit-by-key", "calls", true, true, false},
		{"rate-limit-by-key", "counter-key", true, true, false},
		{"quota-by-key", "first-period-start", true, true, true},
		{"retry", "first-fast-retry", true, true, false},
		{"cache-lookup-value", "variable-name", true, true, true},
		{"choose", "condition", true, false, false},
		{"when", "condition", true, true, false},
		{"base", "x", true, false, false},
		{"set-backend-service", "id", true, true, false}, // portal-generated policies carry an id
		{"set-backend-service", "dapr-app-id", true, true, false},
		{"set-backend-service", "sf-partition-key", true, true, false},
		{"value", "id", true, false, false}, // a child element, not a policy statement
		{"llm-token-limit", "token-quota-period", true, true, false},
		{"azure-openai-token-limit", "remaining-tokens-variable-name", true, true, true},
		{"authentication-managed-identity", "client-id", true, true, true},
		{"emit-metric", "namespace", true, true, true},
		{"key", "certificate-id", true, true, false}, // validate-jwt "key attributes"
		{"key", "n", true, true, true},
		{"set-body", "parse-date", true, true, true}, // on the current page, not the 2023 one
		{"invoke-dapr-binding", "operation", true, true, true},
		{"publish-to-dapr", "topic", true, true, false},
		{"item", "key", true, true, false},
		{"validate-content", "max-size", true, true, false},
		// <content case-insensitive-property-names> (validate-content): the
		// policy toolkit compiles it (ValidateContent.CaseInsensitivePropertyNames).
		{"content", "case-insensitive-property-names", true, true, false},
		{"validate-parameters", "errors-variable-name", true, true, true},
		{"validate-status-code", "errors-variable-name", true, true, false}, // its page does not say
		{"path", "unspecified-parameter-action", true, false, false},        // path takes specified only
		{"get-authorization-context", "context-variable-name", true, true, false},
		{"parameter", "name", false, false, false},      // validate-parameters vs xsl-transform
		{"header", "name", false, false, false},         // cors vs validate-headers
		{"no-such-policy", "name", false, false, false}, // unknown element
		{"trace", "source", true, true, true},           // "Policy expressions aren't allowed" (current page)
		{"send-request", "ignore-error", true, true, true},
		{"send-request", "timeout", true, true, false},
		{"log-to-eventhub", "logger-id", true, true, true},      // "aren't allowed"
		{"log-to-eventhub", "partition-key", true, true, false}, // "are allowed"
		// Checked against the Learn pages (issue 12): no caching policy
		// documents a cache-id (cache-lookup-value: key, default-value,
		// variable-name, caching-type; cache-store-value: key, value,
		// duration, caching-type; cache-remove-value: key, caching-type;
		// cache-lookup: vary-by-developer, vary-by-developer-groups,
		// caching-type, downstream-caching-type, must-revalidate,
		// allow-private-response-caching; cache-store: duration,
		// cache-response), nor does the policy toolkit's CacheLookupValueConfig.
		{"cache-lookup-value", "cache-id", true, false, false},
		{"cache-store-value", "cache-id", true, false, false},
		{"cache-remove-value", "cache-id", true, false, false},
		{"cache-lookup", "cache-id", true, false, false},
		{"cache-store", "cache-id", true, false, false},
		{"cache-store", "cache-response", true, true, false},
		// authentication-managed-identity documents client-id ("The client
		// ID of the user-assigned identity in Microsoft Entra ID. Policy
		// expressions aren't allowed."), also inside send-request.
		{"authentication-managed-identity", "output-token-variable-name", true, true, true},
	}
	for _, tt := range tests {
		a, known, ok := LookupAttribute(tt.elem, tt.attr)
		if known != tt.known || ok != tt.ok || a.Literal != tt.isLit {
			t.Errorf("LookupAttribute(%q, %q) = %+v, known %v, ok %v; want known %v, ok %v, literal %v",
				tt.elem, tt.attr, a, known, ok, tt.known, tt.ok, tt.isLit)
		}
	}
}

func TestSuggestAttribute(t *testing.T) {
	tests := []struct{ elem, attr, want string }{
		{"forward-request", "timout", "timeout"},
		{"forward-request", "buffer-request-bodys", "buffer-request-body"},
		{"set-header", "Exists-Action", "exists-action"},
		{"set-header", "existsaction", "exists-action"},
		{"retry", "max-intervall", "max-interval"},
		{"set-backend-service", "backend_id", "backend-id"},
		{"set-backend-service", "url", ""}, // too far from base-url
		{"rate-limit", "key", ""},
		{"base", "x", ""},
	}
	for _, tt := range tests {
		if got := SuggestAttribute(tt.elem, tt.attr); got != tt.want {
			t.Errorf("SuggestAttribute(%q, %q) = %q, want %q", tt.elem, tt.attr, got, tt.want)
		}
	}
}

// TestAttributeTable checks the table against the element catalogue: every
// element it lists is a known element, and no attribute is listed twice.
func TestAttributeTable(t *testing.T) {
	if n := len(attributes); n < 40 {
		t.Errorf("%d elements catalogued, want at least 40", n)
	}
	for name, list := range attributes {
		if _, ok := Lookup(name); !ok {
			t.Errorf("attributes of %q: not an element of the catalogue", name)
		}
		seen := map[string]bool{}
		for _, a := range list {
			if seen[a.Name] {
				t.Errorf("%s: attribute %q listed twice", name, a.Name)
			}
			seen[a.Name] = true
		}
	}
	// Attributes returns a copy.
	a, _ := Attributes("retry")
	a[0].Name = "changed"
	if b, _ := Attributes("retry"); b[0].Name == "changed" {
		t.Error("Attributes returned the table itself")
	}
}
