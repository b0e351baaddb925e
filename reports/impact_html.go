package reports

import (
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/apimlab/apimlab/impact"
	"github.com/apimlab/apimlab/internal/errw"
)

// ImpactHTML prints the impact as one self-contained page: the Markdown
// report's content, and for each scenario the base and head breaker
// timelines on one time axis, one above the other.
type ImpactHTML struct {
	// Version is apimlab's version, shown in the footer.
	Version string
}

// Print implements ImpactPrinter.
func (h ImpactHTML) Print(w io.Writer, r *impact.Report) error {
	var md strings.Builder
	if err := (ImpactText{}).Print(&md, r); err != nil {
		return err
	}
	ew := errw.New(w)
	ew.Printf("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
	ew.Printf("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
	ew.Printf("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>apimlab impact: %s</title><style>%s</style></head><body><main>\n",
		impactVerdict(r), htmlCSS)
	ew.Printf("<h1>apimlab impact: %s</h1>\n", impactVerdict(r))
	for _, s := range r.Scenarios {
		if s.Base == nil || s.Head == nil {
			continue
		}
		length := max(s.Base.Run.Length.D(), s.Head.Run.Length.D(), time.Second)
		ew.Printf("<section><h2>%s</h2>\n", html.EscapeString(s.Name))
		ew.Printf("<h3>base: %s</h3>\n%s\n", html.EscapeString(r.Base), timelineSVG(s.Base, timelineRows(s.Base, length), length, DefaultHTMLColumns))
		ew.Printf("<h3>head: %s</h3>\n%s\n", html.EscapeString(r.Head), timelineSVG(s.Head, timelineRows(s.Head, length), length, DefaultHTMLColumns))
		ew.Printf("</section>\n")
	}
	ew.Printf("<section><h2>Report</h2><pre>%s</pre></section>\n", html.EscapeString(md.String()))
	ew.Printf("<footer>apimlab %s</footer></main></body></html>\n", html.EscapeString(fmt.Sprint(h.Version)))
	return ew.Err
}
