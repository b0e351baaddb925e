package reports

import (
	"io"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/lint"
)

// GitHub prints GitHub Actions workflow commands, one annotation per
// unsuppressed finding:
//
//	::error file=backends.json,line=12,col=40,title=APIM001 tls-validation-disabled::backend "orders": …
//
// Warnings use ::warning and infos ::notice; the title names the service
// ("APIM001 tls-validation-disabled (service apim-a)").
type GitHub struct{}

// Print implements Printer.
func (GitHub) Print(w io.Writer, r *lint.Result) error {
	ew := errw.New(w)
	for _, f := range r.Findings {
		cmd := "notice"
		switch f.Severity {
		case lint.Error:
			cmd = "error"
		case lint.Warning:
			cmd = "warning"
		}
		var props []string
		if f.Pos.File != "" {
			props = append(props, "file="+ghProperty(f.Pos.File))
		}
		if f.Pos.Line > 0 {
			props = append(props, "line="+strconv.Itoa(f.Pos.Line))
			if f.Pos.Col > 0 {
				props = append(props, "col="+strconv.Itoa(f.Pos.Col))
			}
		}
		title := f.Rule
		if f.Name != "" {
			title += " " + f.Name
		}
		if f.Service != "" {
			title += " (service " + f.Service + ")"
		}
		props = append(props, "title="+ghProperty(title))
		msg := f.Text()
		if f.Fix != "" {
			msg += "\nFix: " + f.Fix
		}
		ew.Printf("::%s %s::%s\n", cmd, strings.Join(props, ","), ghData(msg))
	}
	return ew.Err
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
