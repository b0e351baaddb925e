package policyexpr

import (
	"fmt"
	"sort"
)

// Authorization is the object get-authorization-context stores in its
// context variable (Learn, "Get authorization context", Authorization
// object): the bearer AccessToken for the backend call and the Claims of
// the authorization server's token response. Expressions read it as
// ((Authorization)context.Variables.GetValueOrDefault("name"))?.AccessToken.
type Authorization struct {
	AccessToken string
	// Claims are the token response's fields (RFC 6749 section 5.1):
	// access_token, token_type, expires_in, ….
	Claims map[string]any
}

// authorizationMember reads Authorization.AccessToken or .Claims (an
// IReadOnlyDictionary<string, object>, keys in sorted order).
func authorizationMember(a *Authorization, name string) (any, error) {
	switch name {
	case "AccessToken":
		return a.AccessToken, nil
	case "Claims":
		d := newDict()
		keys := make([]string, 0, len(a.Claims))
		for k := range a.Claims {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.set(k, a.Claims[k])
		}
		return d, nil
	}
	return nil, fmt.Errorf("%w: Authorization.%s is not emulated", errNotSupported, name)
}
