package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestValidateGraphQLRequest follows Learn, "Validate GraphQL request"
// (https://learn.microsoft.com/azure/api-management/validate-graphql-request-policy):
// an invalid query, one over max-size or deeper than max-depth (6 by
// default) is a request error (an errors block, no data block, the
// backend not called); <authorize> rules act on paths /Type/field —
// reject fails the request, remove drops the field and the query goes on,
// allow passes, ignore defers to the next rule. Example 1 of Learn
// (introspection rejected, a field removed by an expression) is run as
// written. apimlab loads no schema, so only root fields are authorized.
func TestValidateGraphQLRequest(t *testing.T) {
	var seen []string
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct {
			Query string `json:"query"`
		}
		_ = json.Unmarshal(b, &body)
		if r.Method == http.MethodGet {
			body.Query = r.URL.Query().Get("query")
		}
		seen = append(seen, body.Query)
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	t.Cleanup(be.Close)
	const example1 = `<validate-graphql-request error-variable-name="name" max-size="102400" max-depth="4"><authorize><rule path="/__*" action="reject" /><rule path="/Query/Missions" action="@(context.Request.Headers.ContainsKey(&quot;X-Hide&quot;) ? &quot;remove&quot; : &quot;allow&quot;)" /></authorize></validate-graphql-request>`
	tests := []struct {
		name, policy, query string
		header              map[string]string
		get                 bool
		status              int
		forwarded           string // substring the backend's query holds ("" when not called)
		notForwarded        string
	}{
		{"valid query", example1, `{ Missions { name } }`, nil, false, 200, "Missions", ""},
		{"valid query by GET", example1, `{ Missions { name } }`, nil, true, 200, "Missions", ""},
		{"syntax error", example1, `{ Missions { name }`, nil, false, 400, "", ""},
		{"too deep", example1, `{ a { b { c { d { e } } } } }`, nil, false, 400, "", ""},
		{"depth 4 passes", example1, `{ a { b { c { d } } } }`, nil, false, 200, "a", ""},
		{"depth through a fragment", example1, `query { a { ...F } } fragment F on A { b { c { d { e } } } }`, nil, false, 400, "", ""},
		{"default max-depth 6", `<validate-graphql-request max-size="1000" />`, `{ a { b { c { d { e { f { g } } } } } } }`, nil, false, 400, "", ""},
		{"over max-size", `<validate-graphql-request max-size="20" />`, `{ Missions { name } }`, nil, false, 400, "", ""},
		{"introspection rejected", example1, `{ __schema { types { name } } }`, nil, false, 400, "", ""},
		{"field removed by expression", example1, `{ Missions { name } Rockets { id } }`, map[string]string{"X-Hide": "1"}, false, 200, "Rockets", "Missions"},
		{"field removed from a GET", example1, `{ Missions { name } Rockets { id } }`, map[string]string{"X-Hide": "1"}, true, 200, "Rockets", "Missions"},
		{"mutation rejected (deny, Learn's example 2)", `<validate-graphql-request max-size="1000"><authorize><rule path="/Mutation/deleteUser" action="deny" /></authorize></validate-graphql-request>`,
			`mutation { deleteUser(id: 1) }`, nil, false, 400, "", ""},
		{"ignore defers to the next rule", `<validate-graphql-request max-size="1000"><authorize><rule path="/Query/secret" action="ignore" /><rule path="/Query/sec*" action="reject" /></authorize></validate-graphql-request>`,
			`{ secret }`, nil, false, 400, "", ""},
		{"a query rule does not touch mutations", `<validate-graphql-request max-size="1000"><authorize><rule path="/Query/deleteUser" action="reject" /></authorize></validate-graphql-request>`,
			`mutation { deleteUser(id: 1) }`, nil, false, 200, "deleteUser", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/graphql", be.URL, tt.policy)}}, Options{})
			var req *http.Request
			if tt.get {
				req, _ = http.NewRequest(http.MethodGet, front.URL+"/graphql/?query="+url.QueryEscape(tt.query), nil)
			} else {
				b, _ := json.Marshal(map[string]any{"query": tt.query, "variables": map[string]any{}})
				req, _ = http.NewRequest(http.MethodPost, front.URL+"/graphql/", strings.NewReader(string(b)))
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s: %s), want %d", resp.StatusCode, resp.Header.Get(HeaderReason), body, tt.status)
			}
			if tt.status == 400 {
				var out map[string]json.RawMessage
				if err := json.Unmarshal(body, &out); err != nil || out["errors"] == nil || out["data"] != nil {
					t.Errorf("body %s: want an errors block and no data block", body)
				}
				if len(seen) != 0 {
					t.Errorf("the backend was called: %q", seen)
				}
				return
			}
			if len(seen) != 1 || !strings.Contains(seen[0], tt.forwarded) || (tt.notForwarded != "" && strings.Contains(seen[0], tt.notForwarded)) {
				t.Errorf("backend saw %q, want a query with %q and without %q", seen, tt.forwarded, tt.notForwarded)
			}
		})
	}
}

// TestValidateGraphQLRequestLoadErrors: max-size is required and at most
// 100 KB; rules on non-root types need a schema apimlab does not load.
func TestValidateGraphQLRequestLoadErrors(t *testing.T) {
	tests := []struct{ policy, want string }{
		{`<validate-graphql-request />`, "max-size is required"},
		{`<validate-graphql-request max-size="200000" />`, "max-size is required"},
		{`<validate-graphql-request max-size="100"><authorize><rule path="/User/email" action="reject" /></authorize></validate-graphql-request>`, "no GraphQL schema"},
		{`<validate-graphql-request max-size="100"><authorize><rule path="/Query/a" action="maybe" /></authorize></validate-graphql-request>`, `action "maybe"`},
	}
	for _, tt := range tests {
		_, err := New(&apim.Service{APIs: []*apim.API{apiWith("/g", "http://127.0.0.1:1", tt.policy)}}, Options{})
		if err == nil || !strings.Contains(err.Error(), "api.xml:1:") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want a positioned error containing %q", tt.policy, err, tt.want)
		}
	}
}
