package gateway

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// clientIP returns context.Request.IpAddress: the TCP peer's address,
// unless the peer is a trusted proxy (Options.TrustedProxies); then the
// right-most X-Forwarded-For hop that is not itself trusted, walking from
// the peer towards the client (the left-most hop when every hop is
// trusted, the peer when the header holds no valid address). Azure's
// IpAddress is the address of the connection the gateway accepted (its
// own sample for an Application Gateway in front reads X-Forwarded-For
// in a policy for that reason): a header from an untrusted peer never
// changes it.
func clientIP(remoteAddr string, xff []string, trusted []netip.Prefix) string {
	ip, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return ""
	}
	if len(trusted) == 0 || len(xff) == 0 {
		return ip
	}
	peer, err := netip.ParseAddr(ip)
	if err != nil || !isTrusted(peer, trusted) {
		return ip
	}
	best := ip
	for i := len(xff) - 1; i >= 0; i-- {
		hops := xff[i]
		for hops != "" {
			var hop string
			if j := strings.LastIndexByte(hops, ','); j >= 0 {
				hop, hops = hops[j+1:], hops[:j]
			} else {
				hop, hops = hops, ""
			}
			a, ok := parseHop(strings.TrimSpace(hop))
			if !ok {
				// A hop that is not an address ends the walk: what lies
				// to its left cannot be trusted either.
				return best
			}
			best = a.String()
			if !isTrusted(a, trusted) {
				return best
			}
		}
	}
	return best
}

// parseHop parses one X-Forwarded-For element: an IP address, possibly
// with a port ("1.2.3.4:5678", "[::1]:80"), as some proxies (Azure
// Application Gateway among them) write it.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies parses CIDR prefixes or single addresses (a /32 or
// /128) for Options.TrustedProxies.
func ParseTrustedProxies(vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if p, err := netip.ParsePrefix(f); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, &net.ParseError{Type: "CIDR or IP address", Text: f}
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

// resolveDotSegments resolves "." and ".." path segments of r's path
// (percent-encoded dots included) before the request is matched, so
// "/api/../admin" is matched, and forwarded, as "/admin": a dot-segment
// can neither escape an API's base path towards another API nor reach a
// backend path outside the API's. Azure documents nothing; .NET servers
// (Kestrel's PathNormalizer, HTTP.sys) resolve dot-segments after
// decoding, as RFC 3986 §5.2.4 describes, and so does apimlab. A ".."
// above the root stays at the root. Empty segments ("//") are kept.
func resolveDotSegments(u *url.URL) {
	if !hasDotSegment(u.Path) {
		return
	}
	raw := u.RawPath
	u.Path = removeDotSegments(u.Path, func(s string) string { return s })
	if raw != "" {
		raw = removeDotSegments(raw, func(s string) string {
			if d, err := url.PathUnescape(s); err == nil {
				return d
			}
			return s
		})
		if d, err := url.PathUnescape(raw); err != nil || d != u.Path {
			raw = "" // not an encoding of the resolved path: let url re-encode it
		}
		u.RawPath = raw
	}
}

// hasDotSegment reports whether p has a "." or ".." segment.
func hasDotSegment(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '.' || (i > 0 && p[i-1] != '/') {
			continue
		}
		j := i + 1
		if j < len(p) && p[j] == '.' {
			j++
		}
		if j == len(p) || p[j] == '/' {
			return true
		}
	}
	return false
}

// removeDotSegments applies RFC 3986 §5.2.4 to an absolute path whose
// segments decode (through dec) to "." or "..".
func removeDotSegments(p string, dec func(string) string) string {
	if p == "" || p[0] != '/' {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch dec(s) {
		case ".":
			if last {
				out = append(out, "") // "/a/." is "/a/"
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}
