package apim

import (
	"net/url"
	"path/filepath"
	"sort"
	"strings"
)

// EntityKind names a kind of entity that configuration can reference by
// name: a pool member names a backend, a credential names a certificate, a
// policy names a backend, a named value or a fragment.
type EntityKind string

// The entity kinds whose presence a Service's inputs can vouch for.
const (
	KindBackends     EntityKind = "backends"
	KindCertificates EntityKind = "certificates"
	KindNamedValues  EntityKind = "named values"
	KindFragments    EntityKind = "policy fragments"
	KindAPIs         EntityKind = "apis"
	KindProducts     EntityKind = "products"
)

// AllKinds lists every EntityKind.
var AllKinds = []EntityKind{KindBackends, KindCertificates, KindNamedValues, KindFragments, KindAPIs, KindProducts}

// Coverage says which entity kinds the loaded inputs hold in full. A
// reference to an entity of a kind the inputs do not hold cannot be called
// dangling: the entity may be deployed from files that were not given (a
// lone REST resource, a folder of an APIOps tree, an APIOps extract, which
// never contains certificates). The zero Coverage holds nothing.
type Coverage struct {
	// Complete is set when the user said the inputs are the whole service
	// (--complete): every kind is held.
	Complete bool
	// Kinds are the kinds held in full; nil means none.
	Kinds map[EntityKind]bool
}

// Holds reports whether the inputs hold every entity of kind k.
func (c Coverage) Holds(k EntityKind) bool { return c.Complete || c.Kinds[k] }

// Add marks kinds as held.
func (c *Coverage) Add(kinds ...EntityKind) {
	if c.Kinds == nil {
		c.Kinds = map[EntityKind]bool{}
	}
	for _, k := range kinds {
		c.Kinds[k] = true
	}
}

// Label names the service in reports: its name, with the APIOps
// environment when one was applied ("apim-prod (environment prod)"); for
// inputs that never name the service, "(unnamed: <root>)" where root is the
// folder or file the entities were loaded from.
func (s *Service) Label() string {
	name := s.Name
	if name == "" {
		root := s.Root
		if root == "" && len(s.Sources) > 0 {
			root = filepath.Dir(s.Sources[0])
		}
		if root == "" {
			return ""
		}
		name = "(unnamed: " + filepath.ToSlash(root) + ")"
	}
	if s.Environment != "" {
		name += " (environment " + s.Environment + ")"
	}
	return name
}

// Secrets returns the values of the service that must never be printed:
// credential header and query values, authorization parameters, proxy and
// certificate passwords, certificate data, values of secret named values,
// values from secure parameters or Key Vault references, and the user
// information of every URL. Values shorter than 4 bytes are left out (they
// would mask unrelated text and carry little secret). The list is sorted
// longest first, so that masking a value never leaves part of a longer one.
func (s *Service) Secrets() []string {
	set := map[string]bool{}
	add := func(f Field[string], always bool) {
		if f.Known() && (always || f.Secure) && len(f.Value) >= 4 {
			set[f.Value] = true
		}
		if f.Known() {
			for _, u := range urlUserinfo(f.Value) {
				set[u] = true
			}
		}
	}
	for _, b := range s.Backends {
		for _, f := range []Field[string]{b.URL, b.Title, b.Description, b.ResourceID} {
			add(f, false)
		}
		if c := b.Credentials; c != nil {
			for _, kv := range append(append([]KeyValues(nil), c.Header...), c.Query...) {
				for _, v := range kv.Values {
					add(v, true)
				}
			}
			if a := c.Authorization; a != nil {
				add(a.Parameter, true)
			}
		}
		if p := b.Proxy; p != nil {
			add(p.URL, false)
			add(p.Username, false)
			add(p.Password, true)
		}
	}
	for _, c := range s.Certificates {
		add(c.Password, true)
		add(c.Data, true)
	}
	for _, c := range s.CAStore {
		add(c.CertificatePassword, true)
		add(c.EncodedCertificate, true)
	}
	for _, nv := range s.NamedValues {
		// A secret flag that is set but not a readable boolean ("yes", an
		// unresolved parameter) counts as secret: masking too much is
		// better than printing a secret.
		add(nv.Value, nv.Secret.Or(false) || nv.Secret.Set && !nv.Secret.Known())
	}
	for _, a := range s.APIs {
		add(a.ServiceURL, false)
	}
	for _, v := range s.SecureValues {
		if len(v) >= 4 {
			set[v] = true
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// urlUserinfo returns the user information of every URL in s
// ("user:secret" and "secret" of "https://user:secret@host/"), or nil.
func urlUserinfo(s string) []string {
	var out []string
	eachUserinfo(s, func(_, _ int, info, pw string) {
		out = append(out, info)
		if pw != "" {
			out = append(out, pw)
		}
	})
	return out
}

// eachUserinfo calls fn with the user information of every URL in s and
// its password ("" for none), and where the password is in s (start, end;
// both 0 for none). It scans the text instead of parsing it: a URL whose
// host is a {{named value}} or a deploy-time token does not parse, and
// its password is still a password.
func eachUserinfo(s string, fn func(start, end int, info, pw string)) {
	for off := 0; ; {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			return
		}
		off += i + 3
		rest := s[off:]
		end := strings.IndexAny(rest, "/?# \t\"'")
		if end < 0 {
			end = len(rest)
		}
		at := strings.LastIndexByte(rest[:end], '@')
		if at <= 0 {
			continue
		}
		info := rest[:at]
		user, pw, ok := strings.Cut(info, ":")
		if !ok || pw == "" {
			fn(0, 0, info, "")
			continue
		}
		if p, err := url.PathUnescape(pw); err == nil {
			pw = p
		}
		start := off + len(user) + 1
		fn(start, off+at, info, pw)
	}
}

// URLPassword returns the password in the user information of URL s
// ("https://user:secret@{{host}}/" included), if any.
func URLPassword(s string) (pw string, ok bool) {
	eachUserinfo(strings.TrimSpace(s), func(_, _ int, _, p string) {
		if !ok && p != "" {
			pw, ok = p, true
		}
	})
	return pw, ok
}

// MaskURLPasswords returns s with the password of every URL's user
// information replaced by mask.
func MaskURLPasswords(s, mask string) string {
	var b strings.Builder
	last := 0
	eachUserinfo(s, func(start, end int, _, _ string) {
		if end > start {
			b.WriteString(s[last:start])
			b.WriteString(mask)
			last = end
		}
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
