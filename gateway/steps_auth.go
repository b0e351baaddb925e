package gateway

import (
	"encoding/base64"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// authBasicStep is <authentication-basic username password>.
type authBasicStep struct{ user, pass *value }

func (c *compiler) authBasic(e *policy.Element) step {
	u, p := c.requireAttr(e, "username"), c.requireAttr(e, "password")
	if u == nil || p == nil {
		return nil
	}
	return &authBasicStep{user: u, pass: p}
}

func (s *authBasicStep) run(x *exchange) error {
	u, err := s.user.str(x)
	if err != nil {
		return err
	}
	p, err := s.pass.str(x)
	if err != nil {
		return err
	}
	x.header["Authorization"] = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))}
	return nil
}

// authCertStep is <authentication-certificate certificate-id|thumbprint>:
// the client certificate is presented in the TLS handshake with the backend.
type authCertStep struct{ id string }

func (c *compiler) authCertificate(e *policy.Element) step {
	if id := e.Attr("certificate-id"); id != nil {
		if id.Expr != nil {
			c.fail(e.Pos, "<authentication-certificate>: certificate-id must be a literal")
			return nil
		}
		key := strings.ToLower(strings.TrimSpace(id.Value))
		if _, ok := c.g.certs[key]; !ok {
			c.fail(id.Pos, "<authentication-certificate>: no loadable certificate %q in the service", id.Value)
			return nil
		}
		return &authCertStep{id: key}
	}
	if tp := e.Attr("thumbprint"); tp != nil {
		if tp.Expr != nil {
			c.fail(e.Pos, "<authentication-certificate>: thumbprint must be a literal")
			return nil
		}
		key, ok := c.g.certByThumbprint(tp.Value)
		if !ok {
			c.fail(tp.Pos, "<authentication-certificate>: no loadable certificate with thumbprint %q in the service", tp.Value)
			return nil
		}
		return &authCertStep{id: key}
	}
	c.fail(e.Pos, "<authentication-certificate>: certificate-id or thumbprint is required (body is not emulated)")
	return nil
}

func (s *authCertStep) run(x *exchange) error {
	x.clientCert = s.id
	return nil
}

// authMIStep is <authentication-managed-identity resource>: it sends the
// configured fake bearer token (or stores it in output-token-variable-name).
type authMIStep struct {
	token   string
	varName string
}

func (c *compiler) authManagedIdentity(e *policy.Element) step {
	if c.requireAttr(e, "resource") == nil {
		return nil
	}
	return &authMIStep{token: c.opts.ManagedIdentityToken, varName: e.AttrValue("output-token-variable-name", "")}
}

func (s *authMIStep) run(x *exchange) error {
	if s.varName != "" {
		x.variables()[s.varName] = s.token
		return nil
	}
	x.header["Authorization"] = []string{"Bearer " + s.token}
	return nil
}
