package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// validateODataStep is <validate-odata-request error-variable-name
// default-odata-version min-odata-version max-odata-version max-size />
// (Learn, "Validate OData request",
// https://learn.microsoft.com/azure/api-management/validate-odata-request-policy:
// "validates the request URL, headers, and parameters of a request to an
// OData API to ensure conformance with the OData specification").
//
// What apimlab checks (docs/semantics.md): the OData-Version header (or,
// without it, OData 2.0/3.0's DataServiceVersion; without either,
// default-odata-version, 4.0 by default) is a version and lies within
// min-odata-version..max-odata-version; the payload is at most max-size
// bytes; the system query options ($filter, $top, …) are known to that
// version — in 4.0 they are lower case and start with "$", 4.01 also
// takes them in any case and without "$" (OData 4.01 Part 2, section 5) —
// and $top, $skip, $count and $levels hold the values the
// specification allows. A failure answers 400 ValidationError (the reason
// is apimlab's name; Learn documents no status) and, with
// error-variable-name, is appended to that variable as the other
// validation policies do. No API schema is loaded, so entity sets and
// properties are not checked.
type validateODataStep struct {
	errVar   string
	def      odataVersion
	min, max odataVersion // zero: no bound
	maxSize  int64        // 0: no limit
}

// odataVersion is major.minor ("4.01" is {4, 1}).
type odataVersion struct{ major, minor int }

func (v odataVersion) zero() bool { return v == odataVersion{} }
func (v odataVersion) less(w odataVersion) bool {
	return v.major < w.major || v.major == w.major && v.minor < w.minor
}
func (v odataVersion) String() string   { return fmt.Sprintf("%d.%02d", v.major, v.minor) }
func (v odataVersion) atLeast401() bool { return !v.less(odataVersion{4, 1}) }

// parseODataVersion reads "4.0", "4.01", "3.0" (a "3.0;NetFx" suffix, as
// DataServiceVersion carries, is dropped).
func parseODataVersion(s string) (odataVersion, bool) {
	s, _, _ = strings.Cut(strings.TrimSpace(s), ";")
	maj, min, ok := strings.Cut(strings.TrimSpace(s), ".")
	if !ok || maj == "" || min == "" || len(min) > 2 {
		return odataVersion{}, false
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil || a < 1 || b < 0 {
		return odataVersion{}, false
	}
	return odataVersion{a, b}, true
}

func (c *compiler) validateODataRequest(e *policy.Element) step {
	st := &validateODataStep{errVar: e.AttrValue("error-variable-name", ""), def: odataVersion{4, 0}}
	version := func(name string, into *odataVersion) {
		if a := e.Attr(name); a != nil {
			v, ok := parseODataVersion(a.Value)
			if !ok {
				c.fail(e.Pos, "<validate-odata-request>: %s %q is not an OData version (such as 4.0 or 4.01)", name, a.Value)
				return
			}
			*into = v
		}
	}
	version("default-odata-version", &st.def)
	version("min-odata-version", &st.min)
	version("max-odata-version", &st.max)
	if !st.min.zero() && !st.max.zero() && st.max.less(st.min) {
		c.fail(e.Pos, "<validate-odata-request>: max-odata-version %s is below min-odata-version %s", st.max, st.min)
	}
	if e.Attr("max-size") != nil {
		n := c.intAttr(e, "max-size", 0)
		if n <= 0 {
			c.fail(e.Pos, "<validate-odata-request>: max-size must be a positive number of bytes")
		}
		st.maxSize = int64(n)
	}
	return st
}

// odataSystemOptions are the system query options of OData 4.0 (Part 2,
// URL Conventions, section 5) and the ones 4.01 adds.
var (
	odataOptions40  = map[string]bool{"filter": true, "expand": true, "select": true, "orderby": true, "top": true, "skip": true, "count": true, "search": true, "format": true, "skiptoken": true, "deltatoken": true, "id": true, "levels": true, "apply": true}
	odataOptions401 = map[string]bool{"compute": true, "index": true, "schemaversion": true}
)

func (s *validateODataStep) run(x *exchange) error {
	v := s.def
	source := "default-odata-version"
	if h := x.header.Get("OData-Version"); h != "" {
		v, source = odataVersion{}, "OData-Version"
		if pv, ok := parseODataVersion(h); ok {
			v = pv
		} else {
			return s.fail(x, fmt.Sprintf("The OData-Version header value '%s' is not a valid OData version.", h))
		}
	} else if h := x.header.Get("DataServiceVersion"); h != "" {
		if pv, ok := parseODataVersion(h); ok {
			v, source = pv, "DataServiceVersion"
		} else {
			return s.fail(x, fmt.Sprintf("The DataServiceVersion header value '%s' is not a valid OData version.", h))
		}
	}
	if !s.min.zero() && v.less(s.min) {
		return s.fail(x, fmt.Sprintf("OData version %s (%s) is below the minimum version %s.", v, source, s.min))
	}
	if !s.max.zero() && s.max.less(v) {
		return s.fail(x, fmt.Sprintf("OData version %s (%s) is above the maximum version %s.", v, source, s.max))
	}
	if s.maxSize > 0 {
		size := x.r.ContentLength
		if x.hasBody || size < 0 {
			body, err := x.requestBody()
			if err != nil {
				return err
			}
			size = int64(len(body))
		}
		if size > s.maxSize {
			return s.fail(x, fmt.Sprintf("The request payload is %d bytes, more than max-size %d.", size, s.maxSize))
		}
	}
	q, err := url.ParseQuery(x.rawQuery)
	if err != nil {
		return s.fail(x, "The query string is malformed: "+err.Error())
	}
	for name, vals := range q {
		opt, ok := odataOption(name, v)
		if !ok {
			if strings.HasPrefix(name, "$") {
				return s.fail(x, fmt.Sprintf("The query parameter '%s' is not supported in OData %s.", name, v))
			}
			continue // a custom query option
		}
		if msg := checkODataOption(opt, vals); msg != "" {
			return s.fail(x, fmt.Sprintf("Query option '%s': %s", name, msg))
		}
	}
	return nil
}

// odataOption returns the system query option name names in version v.
func odataOption(name string, v odataVersion) (string, bool) {
	bare, dollar := strings.CutPrefix(name, "$")
	if v.atLeast401() {
		bare = strings.ToLower(bare)
		return bare, odataOptions40[bare] || odataOptions401[bare]
	}
	return bare, dollar && odataOptions40[bare]
}

// checkODataOption checks the values of one system query option.
func checkODataOption(opt string, vals []string) string {
	if len(vals) > 1 {
		return "it is given more than once."
	}
	val := vals[0]
	switch opt {
	case "top", "skip":
		if n, err := strconv.Atoi(val); err != nil || n < 0 {
			return fmt.Sprintf("'%s' is not a non-negative integer.", val)
		}
	case "count":
		if val != "true" && val != "false" {
			return fmt.Sprintf("'%s' is not true or false.", val)
		}
	case "levels":
		if n, err := strconv.Atoi(val); val != "max" && (err != nil || n < 0) {
			return fmt.Sprintf("'%s' is not a non-negative integer or max.", val)
		}
	}
	if strings.TrimSpace(val) == "" && opt != "search" {
		return "it is empty."
	}
	return ""
}

// fail records the error and answers 400.
func (s *validateODataStep) fail(x *exchange, msg string) error {
	if s.errVar != "" {
		list, _ := x.variables()[s.errVar].([]map[string]string)
		x.variables()[s.errVar] = append(list, map[string]string{"Source": "validate-odata-request", "Action": "prevent", "Details": msg})
	}
	return x.reject(perr("validate-odata-request", ReasonValidation, http.StatusBadRequest, "%s", msg))
}
