package gateway

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// Reasons of the access policies (context.LastError.Reason).
const (
	ReasonCallerIPNotAllowed = "CallerIpNotAllowed"
	ReasonHeaderNotFound     = "HeaderNotFound"
	ReasonHeaderValue        = "HeaderValueNotAllowed"
)

// reject makes pe the response now (so a step can add headers to it) and
// returns it for on-error, which sees that response.
func (x *exchange) reject(pe *pipelineError) error {
	x.errorResponse(pe)
	pe.keep = true
	return pe
}

// ipFilterStep is <ip-filter action="allow|forbid"> with <address> and
// <address-range from to> (Learn, "Restrict caller IPs": filters calls
// "from specific IP addresses and/or address ranges"; a refused caller gets
// 403 Forbidden).
type ipFilterStep struct {
	action *value
	addrs  []*value
	ranges [][2]netip.Addr
	id     string
}

func (c *compiler) ipFilter(e *policy.Element) step {
	st := &ipFilterStep{action: c.requireAttr(e, "action"), id: policyID(e)}
	if st.action == nil {
		return nil
	}
	if st.action.constant() && st.action.lit != "allow" && st.action.lit != "forbid" {
		c.fail(e.Pos, "<ip-filter>: action %q (want allow or forbid)", st.action.lit)
	}
	for _, ch := range e.Children {
		switch ch.Name {
		case "address":
			v := c.textValue(ch)
			if v.constant() {
				if _, err := netip.ParseAddr(strings.TrimSpace(v.lit)); err != nil {
					c.fail(ch.Pos, "<ip-filter>: address %q is not an IP address", v.lit)
					continue
				}
			}
			st.addrs = append(st.addrs, v)
		case "address-range":
			from, err1 := netip.ParseAddr(strings.TrimSpace(ch.AttrValue("from", "")))
			to, err2 := netip.ParseAddr(strings.TrimSpace(ch.AttrValue("to", "")))
			if err1 != nil || err2 != nil || from.Is4() != to.Is4() || to.Less(from) {
				c.fail(ch.Pos, "<ip-filter>: address-range from %q to %q is not a range of IP addresses", ch.AttrValue("from", ""), ch.AttrValue("to", ""))
				continue
			}
			st.ranges = append(st.ranges, [2]netip.Addr{from, to})
		default:
			c.fail(ch.Pos, "<ip-filter>: unexpected <%s> (want <address> or <address-range>)", ch.Name)
		}
	}
	if len(st.addrs) == 0 && len(st.ranges) == 0 {
		c.fail(e.Pos, "<ip-filter>: at least one <address> or <address-range> is required")
	}
	return st
}

func (s *ipFilterStep) run(x *exchange) error {
	action, err := s.action.str(x)
	if err != nil {
		return err
	}
	ip, _ := netip.ParseAddr(x.ec.Request.IpAddress)
	ip = ip.Unmap()
	listed := false
	for _, r := range s.ranges {
		if ip.IsValid() && ip.Is4() == r[0].Is4() && !ip.Less(r[0]) && !r[1].Less(ip) {
			listed = true
		}
	}
	for _, v := range s.addrs {
		if listed {
			break
		}
		str, err := v.str(x)
		if err != nil {
			return err
		}
		a, err := netip.ParseAddr(strings.TrimSpace(str))
		listed = err == nil && a.Unmap() == ip
	}
	if listed == (strings.TrimSpace(action) == "allow") {
		return nil
	}
	pe := perr("ip-filter", ReasonCallerIPNotAllowed, http.StatusForbidden, "Caller IP address %s is not allowed to access the API.", x.ec.Request.IpAddress)
	pe.PolicyID = s.id
	return x.reject(pe)
}

// checkHeaderStep is <check-header name failed-check-httpcode
// failed-check-error-message ignore-case><value/>…</check-header> (Learn,
// "Check HTTP header": the request must carry the header, and one of its
// values must be listed when values are given; otherwise the policy
// answers the configured status and message).
type checkHeaderStep struct {
	name       string
	code       int
	message    *value
	ignoreCase bool
	values     []*value
	id         string
}

func (c *compiler) checkHeader(e *policy.Element) step {
	name := c.requireAttr(e, "name")
	msg := c.requireAttr(e, "failed-check-error-message")
	if name == nil || msg == nil || e.Attr("failed-check-httpcode") == nil {
		if e.Attr("failed-check-httpcode") == nil {
			c.fail(e.Pos, "<check-header>: attribute %q is required", "failed-check-httpcode")
		}
		return nil
	}
	st := &checkHeaderStep{name: http.CanonicalHeaderKey(strings.TrimSpace(name.lit)), code: c.intAttr(e, "failed-check-httpcode", 401),
		message: msg, ignoreCase: c.boolAttr(e, "ignore-case", false), id: policyID(e)}
	if e.Attr("ignore-case") == nil {
		c.fail(e.Pos, "<check-header>: attribute %q is required", "ignore-case")
	}
	if !name.constant() {
		c.fail(e.Pos, "<check-header>: name must be a literal")
	}
	if st.code < 100 || st.code > 999 {
		c.fail(e.Pos, "<check-header>: failed-check-httpcode %d out of range", st.code)
	}
	for _, v := range e.ChildrenNamed("value") {
		st.values = append(st.values, c.textValue(v))
	}
	return st
}

func (s *checkHeaderStep) run(x *exchange) error {
	got, ok := x.header[s.name]
	reason := ReasonHeaderNotFound
	if ok && len(s.values) == 0 {
		return nil
	}
	if ok {
		reason = ReasonHeaderValue
		for _, v := range s.values {
			want, err := v.str(x)
			if err != nil {
				return err
			}
			for _, g := range got {
				for _, part := range strings.Split(g, ",") {
					part = strings.TrimSpace(part)
					if part == want || s.ignoreCase && strings.EqualFold(part, want) {
						return nil
					}
				}
			}
		}
	}
	msg, err := s.message.str(x)
	if err != nil {
		return err
	}
	pe := perr("check-header", reason, s.code, "%s", msg)
	pe.PolicyID = s.id
	return x.reject(pe)
}
