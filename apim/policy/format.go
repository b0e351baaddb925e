package policy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Errors returned (wrapped) by DecodeFormat.
var (
	// ErrLinkedPolicy: the policy is a URL (xml-link, rawxml-link); APIM
	// fetches it at deployment, apimlab does not fetch it.
	ErrLinkedPolicy = errors.New("linked policy not fetched")
	// ErrUnknownFormat: not one of xml, rawxml, xml-link, rawxml-link.
	ErrUnknownFormat = errors.New("unknown policy format")
)

// DecodeFormat returns the policy XML of an ARM/REST policy `value` given
// its `format` (PolicyContentFormat). Azure's definitions (REST API
// PolicyContentFormat / PolicyFragmentContentFormat, and the .NET SDK docs):
//
//   - "xml" (the default when format is absent): "the contents are inline
//     and Content type is an XML document". The value is the policy XML as
//     is; policy expressions are expected XML-escaped (&quot; &lt; &amp;).
//   - "rawxml": "the contents are inline and Content type is a non XML
//     encoded policy document" — expressions are written raw, with
//     unescaped quotes, '<' and '&&' inside attribute values (the REST
//     example ApiManagementCreateApiPolicyNonXmlEncoded). The value is also
//     returned as is: Parse is tolerant of raw expressions in both formats,
//     and Document.Escaped tells how many characters needed it.
//   - "xml-link" / "rawxml-link": "the policy document is hosted on a HTTP
//     endpoint accessible from the API Management service"; the value is a
//     URL. apimlab never fetches it: the error wraps ErrLinkedPolicy.
//
// Format names are matched case-insensitively, as Azure does.
func DecodeFormat(format, value string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "xml", "rawxml":
		return value, nil
	case "xml-link", "rawxml-link":
		return "", fmt.Errorf("format %q: policy is at %q: %w", format, redactURL(value), ErrLinkedPolicy)
	}
	return "", fmt.Errorf("format %q (want xml, rawxml, xml-link or rawxml-link): %w", format, ErrUnknownFormat)
}

// redactURL drops the query and fragment of a link: policy links are often
// storage URLs with a SAS token, which is a secret.
func redactURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return "(not a URL)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment, u.User = "", nil
	return u.String()
}
