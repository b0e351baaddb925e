package summary

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

func TestSummaryHidesSecretsAndListsUnknowns(t *testing.T) {
	lit := func(v string) apim.Field[string] {
		return apim.Field[string]{Set: true, Value: v, Literal: true, Pos: apim.Position{File: "a.json", Line: 3, Col: 9}}
	}
	svc := &apim.Service{
		Name: "contoso",
		Backends: []*apim.Backend{{
			Name: "orders", Type: apim.Field[apim.BackendType]{Value: apim.Single},
			URL: lit("https://orders.example.com"), Protocol: lit("http"),
			Credentials: &apim.Credentials{
				Header:        []apim.KeyValues{{Name: "x-api-key", Values: []apim.Field[string]{lit("hdr-secret")}}},
				Authorization: &apim.Authorization{Scheme: lit("Bearer"), Parameter: lit("auth-secret")},
			},
			Proxy: &apim.Proxy{URL: lit("http://proxy:8080"), Password: lit("proxy-secret")},
		}},
		Certificates: []*apim.Certificate{{Name: "client", Data: lit("MIIB...pfx-data"), Password: lit("pfx-secret")}},
		NamedValues: []*apim.NamedValue{
			{Name: "region", Value: lit("westeurope")},
			{Name: "api-key", Value: lit("nv-secret"), Secret: apim.Field[bool]{Set: true, Value: true}},
			{Name: "later", Value: apim.Field[string]{Set: true,
				Pos: apim.Position{File: "a.json", Line: 9, Col: 2}}.WithUnknown(`parameter "later" has no value`)},
		},
	}
	s := Of(svc, Options{})
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	all := string(out) + s.Text()
	for _, secret := range []string{"hdr-secret", "auth-secret", "proxy-secret", "pfx-secret", "pfx-data", "nv-secret"} {
		if strings.Contains(all, secret) {
			t.Errorf("summary shows %q:\n%s", secret, all)
		}
	}
	for _, want := range []string{"x-api-key", "westeurope", "<literal, hidden>", `parameter \"later\" has no value`, "a.json:9:2"} {
		if !strings.Contains(all, want) {
			t.Errorf("summary lacks %q:\n%s", want, all)
		}
	}
	if got := Of(svc, Options{NoPositions: true}); strings.Contains(got.Text(), "a.json:") {
		t.Errorf("NoPositions still prints positions:\n%s", got.Text())
	}
}
