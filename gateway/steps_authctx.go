package gateway

import (
	"net/http"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
)

// DefaultAuthorizationToken is the access token get-authorization-context
// hands out when Options.AuthorizationToken is "".
const DefaultAuthorizationToken = "apimlab-fake-authorization-token"

// ReasonAuthorizationContext is the LastError reason of a failed
// get-authorization-context (apimlab's name; Learn documents the 500).
const ReasonAuthorizationContext = "AuthorizationContextError"

// authCtxStep is <get-authorization-context provider-id authorization-id
// context-variable-name identity-type identity ignore-error> (Learn, "Get
// authorization context",
// https://learn.microsoft.com/azure/api-management/get-authorization-context-policy).
// apimlab calls no credential provider: like authentication-managed-identity
// it is deliberately different and stores a configurable fake token
// (Options.AuthorizationToken) as the documented Authorization object
// {AccessToken, Claims}. What can fail offline fails as Azure documents:
// an empty provider or connection id, an unknown identity-type, or
// identity-type "jwt" without an identity answer 500, or, with
// ignore-error, assign null to the variable.
type authCtxStep struct {
	provider, authorization, variable *value
	identityType, identity            *value
	ignoreError                       *value
	token                             string
	id                                string
}

func (c *compiler) authorizationContext(e *policy.Element) step {
	st := &authCtxStep{
		provider:      c.requireAttr(e, "provider-id"),
		authorization: c.requireAttr(e, "authorization-id"),
		variable:      c.requireAttr(e, "context-variable-name"),
		identityType:  c.attrValue(e, "identity-type"),
		identity:      c.attrValue(e, "identity"),
		ignoreError:   c.attrValue(e, "ignore-error"),
		token:         c.opts.AuthorizationToken,
		id:            policyID(e),
	}
	if st.provider == nil || st.authorization == nil || st.variable == nil {
		return nil
	}
	if v := st.identityType; v != nil && v.constant() && v.lit != "managed" && v.lit != "jwt" {
		c.fail(e.Pos, "<get-authorization-context>: identity-type %q (want managed or jwt)", v.lit)
	}
	if v := st.ignoreError; v != nil && v.constant() && v.lit != "true" && v.lit != "false" {
		c.fail(e.Pos, "<get-authorization-context>: ignore-error %q (want true or false)", v.lit)
	}
	return st
}

func (s *authCtxStep) run(x *exchange) error {
	name, err := s.variable.str(x)
	if err != nil {
		return err
	}
	auth, why, err := s.acquire(x)
	if err != nil {
		return err
	}
	if why == "" {
		x.variables()[name] = auth
		return nil
	}
	ignore := false
	if s.ignoreError != nil {
		if ignore, err = s.ignoreError.boolean(x); err != nil {
			return err
		}
	}
	if ignore {
		x.variables()[name] = nil
		return nil
	}
	pe := perr("get-authorization-context", ReasonAuthorizationContext, http.StatusInternalServerError, "%s", why)
	pe.PolicyID = s.id
	return pe
}

// acquire returns the Authorization object, or why it cannot be had.
func (s *authCtxStep) acquire(x *exchange) (*policyexpr.Authorization, string, error) {
	provider, err := s.provider.str(x)
	if err != nil {
		return nil, "", err
	}
	conn, err := s.authorization.str(x)
	if err != nil {
		return nil, "", err
	}
	kind := "managed"
	if s.identityType != nil {
		if kind, err = s.identityType.str(x); err != nil {
			return nil, "", err
		}
	}
	identity := ""
	if s.identity != nil {
		if identity, err = s.identity.str(x); err != nil {
			return nil, "", err
		}
	}
	switch {
	case strings.TrimSpace(provider) == "":
		return nil, "Credential provider id is empty.", nil
	case strings.TrimSpace(conn) == "":
		return nil, "Connection id is empty.", nil
	case kind != "managed" && kind != "jwt":
		return nil, "Identity type '" + kind + "' is not managed or jwt.", nil
	case kind == "jwt" && strings.TrimSpace(identity) == "":
		return nil, "Identity type jwt needs an identity token.", nil
	}
	return &policyexpr.Authorization{
		AccessToken: s.token,
		Claims:      map[string]any{"access_token": s.token, "token_type": "Bearer"},
	}, "", nil
}
