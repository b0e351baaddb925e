package configschema

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestSKUEnumIsEveryTier keeps the schema's sku enum (a struct tag) and
// apim.Tiers, which the parser accepts, the same list.
func TestSKUEnumIsEveryTier(t *testing.T) {
	data, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]struct {
			Enum []string `json:"enum"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, tier := range apim.Tiers {
		want = append(want, string(tier))
	}
	if got := s.Properties["sku"].Enum; !slices.Equal(got, want) {
		t.Errorf("schema sku enum = %q, want apim.Tiers %q", got, want)
	}
}
