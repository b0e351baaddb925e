package policyexpr

import "testing"

// TestAuthorizationObject runs the expressions of Learn's "Get
// authorization context" examples against the object the policy stores:
// class Authorization { string AccessToken; IReadOnlyDictionary<string,
// object> Claims }, null when ignore-error swallowed a failure.
func TestAuthorizationObject(t *testing.T) {
	withAuth := func() *Context {
		c := interpContext()
		c.Variables["auth-context"] = &Authorization{AccessToken: "tok-1", Claims: map[string]any{"token_type": "Bearer", "expires_in": 3600}}
		c.Variables["failed"] = nil
		return c
	}
	runInterpCases(t, []interpCase{
		{name: "return the token", src: `((Authorization)context.Variables.GetValueOrDefault("auth-context"))?.AccessToken`, want: "tok-1", ctx: withAuth},
		{name: "attach the token", src: `"Bearer " + ((Authorization)context.Variables.GetValueOrDefault("auth-context"))?.AccessToken`, want: "Bearer tok-1", ctx: withAuth},
		{name: "null after ignore-error", src: `((Authorization)context.Variables.GetValueOrDefault("failed"))?.AccessToken == null`, want: true, ctx: withAuth},
		{name: "claims", src: `(string)((Authorization)context.Variables["auth-context"]).Claims["token_type"]`, want: "Bearer", ctx: withAuth},
		{name: "is Authorization", src: `context.Variables["auth-context"] is Authorization`, want: true, ctx: withAuth},
	})
}
