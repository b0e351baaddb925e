package arm

import (
	"errors"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

func TestParseParametersFile(t *testing.T) {
	tests := []struct {
		name, src string
		want      map[string]string // name -> rendered value
		err       string
	}{
		{
			name: "values and key vault reference",
			src: `{"$schema": "x", "contentVersion": "1.0.0.0", "parameters": {
				"a": {"value": "s"}, "n": {"value": 3}, "o": {"value": {"k": [1]}},
				"kv": {"reference": {"keyVault": {"id": "/subscriptions/x/providers/Microsoft.KeyVault/vaults/v"}, "secretName": "pw"}}}}`,
			want: map[string]string{"a": `"s"`, "n": `3`, "o": `{"k":[1]}`, "kv": `?Key Vault reference (secret "pw")`},
		},
		{
			name: "bare map",
			src:  `{"a": {"value": "[not an expression]"}}`,
			want: map[string]string{"a": `"[not an expression]"`},
		},
		{name: "not an object", src: `[1]`, err: "t.json:1:1: invalid parameters file: top level must be an object"},
		{name: "parameters not an object", src: `{"parameters": 1}`, err: `t.json:1:16: invalid parameters file: "parameters" must be an object`},
		{name: "no value", src: `{"parameters": {"a": {"x": 1}}}`, err: `t.json:1:22: invalid parameters file: parameter "a" has neither "value" nor "reference"`},
		{name: "scalar entry", src: `{"parameters": {"a": 1}}`, err: `parameter "a" must be an object`},
		{name: "bad JSON", src: `{"parameters": `, err: "t.json:1:16: malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseParametersFile("t.json", []byte(tt.src))
			if tt.err != "" {
				var ae *apim.Error
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &ae) || ae.Code != apim.Malformed {
					t.Fatalf("err = %v, want APIM901 error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p) != len(tt.want) {
				t.Errorf("got %d parameters, want %d", len(p), len(tt.want))
			}
			for k, want := range tt.want {
				if got := render(p[k]); got != want {
					t.Errorf("%s = %s, want %s", k, got, want)
				}
			}
			if kv := p["kv"]; kv != nil && kv.Origin != jsontree.Reference {
				t.Errorf("key vault origin = %v", kv.Origin)
			}
		})
	}
}
