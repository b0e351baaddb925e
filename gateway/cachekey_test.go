package gateway

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestCacheLookupKeyWholeQuery: without vary-by-query-parameter the key
// holds the whole query, parsed and re-encoded, so the parameters' order
// does not split entries while their values do; a request without a query
// has its own entry.
func TestCacheLookupKeyWholeQuery(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/a", be.URL, "")
	a.Policy = doc(apim.ScopeAPI, policies(
		`<cache-lookup vary-by-developer="false" vary-by-developer-groups="false"><vary-by-header>X-Tenant</vary-by-header></cache-lookup>`,
		`<forward-request />`, `<cache-store duration="60" />`, ""))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: newFakeClock()})
	steps := []struct {
		path, tenant string
		hits         int64 // backend hits after the call
	}{
		{"/a/x?b=2&a=1", "", 1},
		{"/a/x?a=1&b=2", "", 1}, // same parameters, other order: a hit
		{"/a/x?a=1&b=3", "", 2}, // another value
		{"/a/x", "", 3},         // no query
		{"/a/x", "", 3},         // a hit
		{"/a/x", "t1", 4},       // vary-by-header
		{"/a/x", "t1", 4},       // a hit
		{"/a/X?a=1&b=2", "", 4}, // the path is compared in lower case
	}
	for i, s := range steps {
		var hdr map[string]string
		if s.tenant != "" {
			hdr = map[string]string{"X-Tenant": s.tenant}
		}
		if status, _, _ := get(t, front.URL+s.path, hdr); status != 200 {
			t.Fatalf("step %d: status %d", i, status)
		}
		if got := be.hits.Load(); got != s.hits {
			t.Errorf("step %d (%s, tenant %q): backend hits %d, want %d", i, s.path, s.tenant, got, s.hits)
		}
	}
}
