package jsontree

import (
	"strings"
	"testing"
)

func TestParsePositionsAndPaths(t *testing.T) {
	src := "\xef\xbb\xbf{\n  \"resources\": [\n    { \"type\": \"x\", \"Properties\": { \"url\": \"https://a\", \"odd key\": 1 } }\n  ]\n}"
	root, err := Parse("t.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	url := root.Lookup("resources").Arr[0].Lookup("properties", "url")
	if url == nil || url.Text() != "https://a" {
		t.Fatalf("case-insensitive lookup failed: %+v", url)
	}
	if got, want := url.Position().String(), "t.json:3:43"; got != want {
		t.Errorf("position = %s, want %s", got, want)
	}
	if got, want := url.PositionWithPath().Path, "$.resources[0].Properties.url"; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
	odd := root.Lookup("resources").Arr[0].Lookup("properties", "odd key")
	if got, want := odd.Path(), `$.resources[0].Properties["odd key"]`; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
	if m := root.Lookup("resources").Arr[0].Member("PROPERTIES"); m == nil || m.Key != "Properties" || m.KeyPos.String() != "t.json:3:20" {
		t.Errorf("member = %+v", m)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ src, pos, msg string }{
		{"", "1:1", "no JSON value"},
		{"{\"a\": [1, 2,\n  x]}", "2:3", "invalid character 'x'"},
		{`{"a":1,"a":2}`, "1:8", "duplicate object member name"},
		{`{"a":`, "1:6", "unexpected end"},
		{`{} {}`, "1:4", "after the top-level value"},
	} {
		_, err := Parse("e.json", []byte(tt.src))
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		if !strings.HasPrefix(err.Error(), "e.json:"+tt.pos+": ") || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: error %q, want at %s containing %q", tt.src, err, tt.pos, tt.msg)
		}
	}
}
