package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// summary renders statements as "name" or "name:attr=value" for the
// attribute that tells them apart, e.g. set-header:x-global.
func summary(elems []*Element) string {
	var parts []string
	for _, e := range elems {
		s := e.Name
		for _, k := range []string{"name", "backend-id", "timeout", "reason", "fragment-id"} {
			if a := e.Attr(k); a != nil {
				s += ":" + a.Value
				break
			}
		}
		if len(e.Children) > 0 && e.Name != "set-header" {
			s += "(" + summary(e.Children) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func fragmentsFromFiles(t *testing.T) FragmentFunc {
	t.Helper()
	m := map[string]*Document{}
	for _, id := range []string{"common", "nested", "cycle-a", "cycle-b"} {
		d, _ := mustParseFile(t, "testdata/fragment-"+id+".xml")
		m[id] = d
	}
	return func(id string) (*Document, bool) {
		d, ok := m[id]
		return d, ok
	}
}

func TestMerge(t *testing.T) {
	global, _ := mustParseFile(t, "testdata/global.xml")
	product, _ := mustParseFile(t, "testdata/product.xml")
	api, _ := mustParseFile(t, "testdata/api.xml")
	op, _ := mustParseFile(t, "testdata/operation.xml")
	frags := fragmentsFromFiles(t)

	tests := []struct {
		name   string
		layers []*Document
		want   map[Section]string
	}{
		{
			name:   "all four scopes",
			layers: []*Document{global, product, api, op},
			want: map[Section]string{
				// api: set-variable, base(global+product), include-fragment; op: base + set-backend-service.
				Inbound: "set-variable:api set-header:x-global rate-limit set-header:x-common set-variable:nested set-backend-service:pool",
				// op's backend has no <base/>: the global forward-request is discarded.
				Backend: "retry(forward-request:10)",
				// op's outbound has no <base/>: only its own header.
				Outbound: "set-header:x-op-out",
				// op has no on-error section: inherits api's, which dropped global's base.
				OnError: "set-status:api",
			},
		},
		{
			name:   "global base is empty",
			layers: []*Document{global},
			want: map[Section]string{
				Inbound:  "set-header:x-global",
				Backend:  "forward-request:30",
				Outbound: "set-header:x-global-out",
				OnError:  "",
			},
		},
		{
			name:   "nil layers are transparent",
			layers: []*Document{global, nil, product, nil},
			want: map[Section]string{
				Inbound:  "set-header:x-global rate-limit",
				Backend:  "forward-request:30",
				Outbound: "set-header:x-global-out",
				OnError:  "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eff, err := Merge(frags, tt.layers...)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range Sections() {
				if got := summary(eff.Section(s)); got != tt.want[s] {
					t.Errorf("%s = %q\nwant %q", s, got, tt.want[s])
				}
				for _, e := range eff.Section(s) {
					if e.Section != s || e.Parent != eff.Sections[s] {
						t.Errorf("%s: section %q parent %v", e, e.Section, e.Parent)
					}
				}
			}
		})
	}

	t.Run("positions are kept", func(t *testing.T) {
		eff, err := Merge(frags, global, product, api, op)
		if err != nil {
			t.Fatal(err)
		}
		in := eff.Section(Inbound)
		if p := in[1].Pos; p.File != "testdata/global.xml" || p.Line != 3 || p.Col != 9 {
			t.Errorf("global set-header pos = %s", p)
		}
		if p := in[3].Pos; p.File != "testdata/fragment-common.xml" || p.Line != 2 {
			t.Errorf("fragment set-header pos = %s", p)
		}
		if p := in[4].Attr("value").Expr; p == nil || p.Pos.File != "testdata/fragment-nested.xml" {
			t.Errorf("nested fragment expression = %+v", p)
		}
		// The effective tree is a copy: the source documents are untouched.
		if got := summary(api.Section(Inbound).Children); got != "set-variable:api base include-fragment:common" {
			t.Errorf("api inbound modified: %s", got)
		}
	})
}

func TestMergeFragmentErrors(t *testing.T) {
	frags := fragmentsFromFiles(t)
	tests := []struct {
		name string
		xml  string
		msg  string
		line int
	}{
		{"cycle", "<policies>\n<inbound>\n<include-fragment fragment-id=\"cycle-a\" />\n</inbound>\n</policies>", "cycle-a → cycle-b → cycle-a", 3},
		{"unknown", "<policies>\n<inbound>\n<base />\n<include-fragment fragment-id=\"nope\" />\n</inbound>\n</policies>", `no policy fragment "nope"`, 4},
		{"missing id", "<policies>\n<outbound>\n<include-fragment />\n</outbound>\n</policies>", "without fragment-id", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(&apim.PolicyDoc{XML: tt.xml, Pos: apim.Position{File: "op.xml", Line: 1, Col: 1}})
			if err != nil {
				t.Fatal(err)
			}
			eff, err := Merge(frags, d)
			var ae *apim.Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(ae.Msg, tt.msg) {
				t.Errorf("msg = %q, want %q", ae.Msg, tt.msg)
			}
			if ae.Pos.File == "" || ae.Pos.Line == 0 {
				t.Errorf("error without position: %v", err)
			}
			if tt.name == "cycle" {
				// The include that closes the cycle is in fragment-cycle-b.xml.
				if ae.Pos.File != "testdata/fragment-cycle-b.xml" || ae.Pos.Line != 3 {
					t.Errorf("cycle pos = %s", ae.Pos)
				}
			} else if ae.Pos.Line != tt.line {
				t.Errorf("pos = %s, want line %d", ae.Pos, tt.line)
			}
			// The unresolved include is kept in the effective policy.
			found := false
			eff.Walk(func(e *Element) bool {
				found = found || e.Name == "include-fragment"
				return true
			})
			if !found {
				t.Errorf("include-fragment dropped")
			}
		})
	}
	t.Run("not a fragment", func(t *testing.T) {
		d, _ := mustParseFile(t, "testdata/api.xml")
		g, _ := mustParseFile(t, "testdata/global.xml")
		_, err := Merge(func(string) (*Document, bool) { return g, true }, d)
		if err == nil || !strings.Contains(err.Error(), "want <fragment>") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nil lookup keeps includes", func(t *testing.T) {
		d, _ := mustParseFile(t, "testdata/api.xml")
		eff, err := Merge(nil, d)
		if err != nil || summary(eff.Section(Inbound)) != "set-variable:api include-fragment:common" {
			t.Errorf("inbound = %q, err %v", summary(eff.Section(Inbound)), err)
		}
	})
}

func TestExpandFragments(t *testing.T) {
	d, _ := mustParseFile(t, "testdata/api.xml")
	sec := d.Section(Inbound)
	out, err := ExpandFragments(sec.Children, sec, Inbound, fragmentsFromFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(out); got != "set-variable:api base set-header:x-common set-variable:nested" {
		t.Errorf("expanded = %q", got)
	}
}
