package liquid

import (
	"testing"
	"time"
)

// TestFilters runs every filter of Learn's "Supported Liquid
// filters" list, under APIM's Pascal-case name, on the example of the
// Liquid documentation Learn points to (shopify.github.io/liquid), and
// the filters osteele/liquid lacks or APIM changes (AtLeast, AtMost,
// Currency, H, Date with .NET formats, NewlineToBr keeping the newline).
func TestFilters(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	eng := NewEngine(func() time.Time { return now })
	bind := map[string]any{
		"beatles": []any{"John", "Paul", "George", "Ringo"},
		"site":    []any{"a", nil, "b"},
		"pages":   []any{map[string]any{"category": "business"}, map[string]any{"category": "celebrities"}},
		"nums":    []any{int64(3), int64(1), int64(2), int64(1)},
		"when":    DateTime{now},
		"lines":   "a\nb",
	}
	tests := []struct{ src, want string }{
		{`{{ -17 | Abs }}`, "17"},
		{`{{ "/my/fancy/url" | Append: ".html" }}`, "/my/fancy/url.html"},
		{`{{ 4 | AtLeast: 5 }} {{ 4 | AtLeast: 3 }}`, "5 4"},
		{`{{ 4 | AtMost: 5 }} {{ 4 | AtMost: 3 }}`, "4 3"},
		{`{{ "title" | Capitalize }} {{ "my GREAT title" | Capitalize }}`, "Title My great title"},
		{`{{ site | Compact | Join: "," }}`, "a,b"},
		{`{{ 1234.5 | Currency }} {{ -1 | Currency }} {{ "x" | Currency }}`, "$1,234.50 -$1.00 x"},
		{`{{ "2012-03-21T05:40Z" | Date: "yyyy-MM-dd HH:mm" }} {{ "2012-03-21T05:40Z" | Date: "dddd d MMM yy, h:mm tt" }}`, "2012-03-21 05:40 Wednesday 21 Mar 12, 5:40 AM"},
		{`{{ "2012-03-21T05:40:07.25Z" | Date: "s" }} {{ "2012-03-21T05:40Z" | Date: "'at' HH\h" }}`, "2012-03-21T05:40:07 at 05h"},
		{`{{ "now" | Date: "yyyy-MM-dd" }} {{ "today" | Date: "HH:mm" }}`, "2026-03-01 12:00"},
		{`{{ 1331962200 | Date: "yyyy-MM-dd HH:mm" }} {{ "2012-03-21T05:40Z" | Date: "" }}`, "2012-03-17 05:30 2012-03-21T05:40Z"},
		{`{{ when | Date: "MM/dd/yyyy" }} {{ "not a date" | Date: "yyyy" }}`, now.Format("01/02/2006") + " not a date"},
		{`{{ product_price | Default: 2.99 }}`, "2.99"},
		{`{{ 16 | DividedBy: 4 }} {{ 20 | DividedBy: 7 }} {{ 20 | DividedBy: 7.0 }}`, "4 2 2.857142857142857"},
		{`{{ "Parker Moore" | Downcase }}`, "parker moore"},
		{`{{ "Have you read 'James & the Giant Peach'?" | Escape }}`, "Have you read &#39;James &amp; the Giant Peach&#39;?"},
		{`{{ "<p>x</p>" | H }}`, "&lt;p&gt;x&lt;/p&gt;"},
		{`{{ "Ground control to Major Tom." | Split: " " | First }}`, "Ground"},
		{`{{ beatles | Join: " and " }}`, "John and Paul and George and Ringo"},
		{`{{ "Ground control to Major Tom." | Split: " " | Last }}`, "Tom."},
		{`{{ "          So much room for activities          " | Lstrip }}!`, "So much room for activities          !"},
		{`{{ pages | Map: "category" | Join: "," }}`, "business,celebrities"},
		{`{{ 4 | Minus: 2 }} {{ 183.357 | Minus: 12 }}`, "2 171.357"},
		{`{{ 3 | Modulo: 2 }} {{ 24 | Modulo: 7 }}`, "1 3"},
		{`{{ lines | NewlineToBr }}`, "a<br />\nb"},
		{`{{ 4 | Plus: 2 }} {{ 183.357 | Plus: 12 }}`, "6 195.357"},
		{`{{ "apples, oranges, and bananas" | Prepend: "Some fruit: " }}`, "Some fruit: apples, oranges, and bananas"},
		{`{{ "I strained to see the train through the rain" | Remove: "rain" }}`, "I sted to see the t through the "},
		{`{{ "I strained to see the train through the rain" | RemoveFirst: "rain" }}`, "I sted to see the train through the rain"},
		{`{{ "Take my protein pills and put my helmet on" | Replace: "my", "your" }}`, "Take your protein pills and put your helmet on"},
		{`{{ "Take my protein pills and put my helmet on" | ReplaceFirst: "my", "your" }}`, "Take your protein pills and put my helmet on"},
		{`{{ 1.2 | Round }} {{ 2.7 | Round }} {{ 183.357 | Round: 2 }}`, "1 3 183.36"},
		{`!{{ "   So much room   " | Rstrip }}!`, "!   So much room!"},
		{`{{ "Ground control to Major Tom." | Size }} {{ beatles | Size }}`, "28 4"},
		{`{{ "Liquid" | Slice: 0 }} {{ "Liquid" | Slice: 2, 5 }} {{ "Liquid" | Slice: -3, 2 }}`, "L quid ui"},
		{`{{ nums | Sort | Join: "," }}`, "1,1,2,3"},
		{`{{ "a,b" | Split: "," | Join: "-" }}`, "a-b"},
		{`!{{ "   So much room   " | Strip }}!`, "!So much room!"},
		{`{{ "Have <em>you</em> read <strong>Ulysses</strong>?" | StripHtml }}`, "Have you read Ulysses?"},
		{`{{ lines | StripNewlines }}`, "ab"},
		{`{{ 3 | Times: 2 }} {{ 183.357 | Times: 12 }}`, "6 2200.284"},
		{`{{ "Ground control to Major Tom." | Truncate: 20 }} {{ "Ground control to Major Tom." | Truncate: 25, ", and so on" }}`, "Ground control to... Ground control, and so on"},
		{`{{ "Ground control to Major Tom." | TruncateWords: 3 }}`, "Ground control to..."},
		{`{{ nums | Uniq | Join: "," }} {{ site | Uniq | Size }}`, "3,1,2 3"},
		{`{{ "Parker Moore" | Upcase }}`, "PARKER MOORE"},
		{`{{ "%27Stop%21%27+said+Fred" | UrlDecode }}`, "'Stop!' said Fred"},
		{`{{ "john@liquid.com" | UrlEncode }} {{ "Tetsuro Takara" | UrlEncode }}`, "john%40liquid.com Tetsuro+Takara"},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if bad := UnknownFilters(tt.src); len(bad) > 0 {
				t.Fatalf("unknown filter %q", bad[0].Name)
			}
			out, err := eng.e.ParseAndRenderString(tt.src, bind)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
		})
		for _, n := range FilterNamesIn(tt.src) {
			covered[n] = true
		}
	}
	for _, n := range FilterNames() {
		if !covered[n] {
			t.Errorf("filter %s has no case", n)
		}
	}
}

// TestParseDate checks the date strings parse-date turns into DateTime
// (Learn's examples "/Date(1198908717056)/" and "2012-03-21T05:40Z") and
// how they are written.
func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2012-03-21T05:40Z", "03/21/2012 05:40:00", true},
		{"/Date(1198908717056)/", "12/29/2007 06:11:57", true},
		{"2012-03-21T05:40:07.125+02:00", "03/21/2012 03:40:07", true},
		{"2012-03-21T05:40:07", "03/21/2012 05:40:07", true},
		{"2012-03-21", "", false},
		{"not a date", "", false},
	}
	for _, tt := range tests {
		d, ok := ParseDate(tt.in)
		if ok != tt.ok || ok && d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, %v", tt.in, d.String(), ok, tt.want, tt.ok)
		}
	}
}

// TestRenderOddInput renders filters on bodies they do not expect (JSON
// nulls, objects where strings are wanted): each gives an output or an
// error, never a panic, since the body comes from the client.
func TestRenderOddInput(t *testing.T) {
	eng := NewEngine(nil)
	body := map[string]any{"a": "hello", "arr": []any{map[string]any{"x": int64(1)}, nil, nil}}
	tests := []struct {
		src, want string
		fails     bool
	}{
		{`{{ body.arr | Map: "x" | Uniq | Size }}`, "2", false},
		{`{{ body.arr | Uniq | Size }}`, "2", false},
		{`{{ body.a | Times: "x" }}`, "", true},
		{`{{ body.a | DividedBy: 0 }}`, "", true},
		{`{{ body.a | Currency: "fr-FR" }}`, "", true},
		{`{{ body.arr[99].x }}|{{ body.a | Slice: -100, 2 }}`, "|", false},
	}
	for _, tt := range tests {
		tpl, err := eng.e.ParseString(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		out, rerr := (&Template{tpl}).Render(map[string]any{"body": body})
		if (rerr != nil) != tt.fails || string(out) != tt.want {
			t.Errorf("%s: %q, %v; want %q (error %v)", tt.src, out, rerr, tt.want, tt.fails)
		}
	}
}

// TestReferencesBody checks which templates read the body variable.
func TestReferencesBody(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{`{{body.a}}`, true},
		{`{% for i in body.items %}x{% endfor %}`, true},
		{`{{ body | Size }}`, true},
		{`{{context.Request.Headers["body"]}} "body" {{ "body" }}`, false},
		{`{{context.Variables.body}}`, false},
		{`no tags, body text`, false},
	}
	for _, tt := range tests {
		if got := ReferencesBody(tt.src); got != tt.want {
			t.Errorf("ReferencesBody(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}
