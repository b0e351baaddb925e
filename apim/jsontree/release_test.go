package jsontree

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"weak"
)

// TestRelease: a released value leaves its parent's slot empty and its
// subtree without links, the rest of the tree keeps its values and paths,
// and a member shared from another tree is unlinked but left whole.
func TestRelease(t *testing.T) {
	root, err := Parse("t.json", []byte(`{"resources": [
		{"name": "a", "properties": {"url": "https://a", "list": [1, {"x": true}]}},
		{"name": "b", "properties": {"url": "https://b"}}
	], "m": {"k": "v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	list := root.Lookup("resources").Elems()
	a, b := list[0], list[1]
	props, inner := a.Get("properties"), a.Lookup("properties", "list").Elems()[1]
	url := a.Lookup("properties", "url").Str
	a.Release()
	if list[0] != nil || list[1] != b {
		t.Fatalf("resources after releasing the first: %v", list)
	}
	if a.Members() != nil || props.Members() != nil || inner.Members() != nil || props.Parent() != nil || inner.Parent() != nil {
		t.Error("links left in the released subtree")
	}
	if url != "https://a" {
		t.Errorf("a string taken before the release changed: %q", url)
	}
	if got := b.Lookup("properties", "url").Path(); got != "$.resources[1].properties.url" {
		t.Errorf("path of a kept value = %q", got)
	}
	m := root.Get("m")
	m.Release()
	if root.Members()[1].Key != "m" || root.Members()[1].Value != nil {
		t.Errorf("object slot after release: %+v", root.Members()[1])
	}

	// A hand-built value sharing a member of b: releasing it leaves b's
	// member whole.
	shared := b.Get("properties")
	built := (&Value{Kind: Object}).WithMembers([]Member{{Key: "properties", Value: shared}})
	built.Release()
	if shared.Get("url").Text() != "https://b" || shared.Parent() != b {
		t.Error("releasing a value emptied a member it shares with another tree")
	}
	(*Value)(nil).Release()
	runtime.KeepAlive(root)
}

// TestReleaseFreesSlabs: once every resource but the last of a parsed
// document is released, a collection frees their values although they
// shared slabs, and member and element blocks, with each other and with
// the kept one. Taking them out of the array alone frees nothing: each
// slab reaches its neighbours (issue 16).
func TestReleaseFreesSlabs(t *testing.T) {
	items := make([]string, 4000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"name": "r%d", "properties": {"url": "https://r%d", "rules": [{"min": 500, "max": 599}], "tls": {"on": true}}}`, i, i)
	}
	doc := []byte(`{"resources": [` + strings.Join(items, ",") + `]}`)
	for _, release := range []bool{false, true} {
		root, err := Parse("t.json", doc)
		if err != nil {
			t.Fatal(err)
		}
		list := root.Get("resources").Elems()
		weaks := make([]weak.Pointer[Value], 0, len(list))
		for _, r := range list[:len(list)-1] {
			weaks = append(weaks, weak.Make(r.Lookup("properties", "tls")))
		}
		last := list[len(list)-1]
		for i, r := range list[:len(list)-1] {
			if release {
				r.Release()
			} else {
				list[i] = nil
			}
		}
		runtime.GC()
		alive := 0
		for _, w := range weaks {
			if w.Value() != nil {
				alive++
			}
		}
		t.Logf("released %v: %d of %d values reachable", release, alive, len(weaks))
		if release && alive > len(weaks)/10 {
			t.Errorf("released: %d of %d values still reachable after a collection", alive, len(weaks))
		}
		if !release && alive < len(weaks)/2 {
			t.Errorf("taken out of the array only: %d of %d values reachable, want most (slabs reach their neighbours)", alive, len(weaks))
		}
		runtime.KeepAlive(last)
	}
}
