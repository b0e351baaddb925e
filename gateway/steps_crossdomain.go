package gateway

import (
	"net/http"

	"github.com/apimlab/apimlab/apim/policy"
	"github.com/beevik/etree"
)

// crossDomainPath is where Flash clients fetch a site's policy file
// (Adobe, "Cross-domain policy file specification": the master policy
// file is /crossdomain.xml at the root of the domain).
const crossDomainPath = "/crossdomain.xml"

// crossDomainContentType is the type the Adobe specification gives policy
// files ("text/x-cross-domain-policy").
const crossDomainContentType = "text/x-cross-domain-policy"

// crossDomainStep is <cross-domain><cross-domain-policy>…</cross-domain-policy></cross-domain>
// (Learn, "Allow cross-domain calls",
// https://learn.microsoft.com/azure/api-management/cross-domain-policy:
// makes the API "accessible from Adobe Flash and Microsoft Silverlight
// browser-based clients"; the content is an Adobe cross-domain policy
// file; global scope, inbound). apimlab answers GET and HEAD
// /crossdomain.xml with that file (200, text/x-cross-domain-policy), even
// though no API serves the path; every other request passes.
type crossDomainStep struct {
	file []byte
}

func (c *compiler) crossDomain(e *policy.Element) step {
	if len(e.Children) != 1 || e.Children[0].Name != "cross-domain-policy" || e.Children[0].Node == nil {
		c.fail(e.Pos, "<cross-domain>: want one <cross-domain-policy> element (the Adobe cross-domain policy file)")
		return nil
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0"`)
	doc.AddChild(e.Children[0].Node.Copy())
	doc.Indent(2)
	file, err := doc.WriteToBytes()
	if err != nil {
		c.fail(e.Pos, "<cross-domain>: %v", err)
		return nil
	}
	if c.cur != nil {
		c.cur.crossDomain = true
	}
	return &crossDomainStep{file: file}
}

// isCrossDomainRequest reports whether r asks for the policy file.
func isCrossDomainRequest(r *http.Request) bool {
	return r.URL.Path == crossDomainPath && (r.Method == http.MethodGet || r.Method == http.MethodHead)
}

func (s *crossDomainStep) run(x *exchange) error {
	if !isCrossDomainRequest(x.r) {
		return nil
	}
	x.newResponse(http.StatusOK)
	x.served = ""
	x.respHeader["Content-Type"] = []string{crossDomainContentType}
	x.respBody = s.file
	x.done = true
	return nil
}
