package reports

import (
	"io"
	"strings"

	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/lint"
)

// Markdown prints a table of the findings for a pull-request comment or a
// GitHub job summary, rule IDs linked to the rule reference, then the
// suppressed findings with their justification in a collapsed section.
type Markdown struct{}

// Print implements Printer.
func (Markdown) Print(w io.Writer, r *lint.Result) error {
	ew := errw.New(w)
	ew.Printf("### apimlab lint\n\n")
	ew.Printf("%s\n", summary(r))
	if len(r.Findings) > 0 {
		ew.Printf("\n| Severity | Rule | Service | Location | Resource | Message |\n|---|---|---|---|---|---|\n")
		for _, f := range r.Findings {
			ew.Printf("| %s %s | [%s](%s) %s | %s | `%s` | %s | %s |\n",
				icon(f.Severity), f.Severity, f.Rule, helpURI(f.Rule), f.Name, mdCell(f.Service), mdCode(f.Pos.String()),
				mdCell(f.Subject.String()), mdCell(f.Text()))
		}
	}
	if len(r.Suppressed) > 0 {
		ew.Printf("\n<details><summary>%s</summary>\n\n", plural(len(r.Suppressed), "suppressed finding"))
		ew.Printf("| Rule | Service | Location | Message | Justification |\n|---|---|---|---|---|\n")
		for _, f := range r.Suppressed {
			just := ""
			if f.Suppression != nil {
				just = f.Suppression.Kind + ": " + f.Suppression.Justification
			}
			ew.Printf("| [%s](%s) | %s | `%s` | %s | %s |\n", f.Rule, helpURI(f.Rule), mdCell(f.Service), mdCode(f.Pos.String()),
				mdCell(f.Text()), mdCell(just))
		}
		ew.Printf("\n</details>\n")
	}
	return ew.Err
}

func icon(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "🔴"
	case lint.Warning:
		return "🟡"
	}
	return "🔵"
}

// mdCell escapes text for a table cell: pipes, newlines and HTML.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", "<br>", "\r", "", "<", "&lt;", ">", "&gt;").Replace(s)
}

// mdCode makes text safe inside a `code span` in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
}
