package lint

import (
	"bytes"
	"strings"
	"testing"
)

func TestExplainAndMarkdown(t *testing.T) {
	r := &Rule{ID: "APIM042", Name: "answer", Severity: Warning, Doc: Doc{
		Title: "A title | with a pipe", Why: "Because.", Fix: "Do this. Then that.",
		Bad: `{"a": 1}`, Good: "<policies />", Since: "0.1.0",
		Options: []Option{{Name: "limit", Default: "3", Doc: "the limit"}},
	}}
	var ex bytes.Buffer
	if err := Explain(&ex, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## APIM042 answer\n", "**Default severity:** warning · **Since:** 0.1.0",
		"### Why\n\nBecause.", "### Fix\n\nDo this. Then that.", "### Bad\n\n```json\n{\"a\": 1}\n```",
		"### Good\n\n```xml\n<policies />\n```", "| `limit` | 3 | the limit |"} {
		if !strings.Contains(ex.String(), want) {
			t.Errorf("Explain output lacks %q:\n%s", want, ex.String())
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, []*Rule{r}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| [APIM042](#apim042) | answer | warning | A title \\| with a pipe |",
		`<a id="apim042"></a>`, "## APIM042 answer", "### Why"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

var errWrite = bytes.ErrTooLarge

func TestMarkdownWriteError(t *testing.T) {
	if err := WriteMarkdown(failWriter{}, []*Rule{InternalError}); err == nil {
		t.Error("write error swallowed")
	}
}
