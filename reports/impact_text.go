package reports

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/apimlab/apimlab/impact"
	"github.com/apimlab/apimlab/internal/errw"
)

// ImpactText prints the impact for a terminal: the Markdown report's
// content without table syntax.
type ImpactText struct{}

// Print implements ImpactPrinter.
func (ImpactText) Print(w io.Writer, r *impact.Report) error {
	var md strings.Builder
	if err := (ImpactMarkdown{}).Print(&md, r); err != nil {
		return err
	}
	ew := errw.New(w)
	for _, line := range strings.Split(md.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "|---"):
			continue
		case strings.HasPrefix(line, "| "):
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			line = "  " + strings.Join(cells, "  ·  ")
		case strings.HasPrefix(line, "## "), strings.HasPrefix(line, "### "):
			line = strings.TrimLeft(line, "# ")
		}
		line = strings.NewReplacer("**", "", "`", "", `\|`, "|", "&lt;", "<", "&gt;", ">").Replace(line)
		ew.Printf("%s\n", line)
	}
	return ew.Err
}

// ImpactJSON prints the report as indented JSON (versioned by
// impact.ReportVersion).
type ImpactJSON struct{}

// Print implements ImpactPrinter.
func (ImpactJSON) Print(w io.Writer, r *impact.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ImpactJUnit prints one testcase per scenario assertion (a flip from pass
// to fail is a failure), one per new error-severity finding (a failure)
// and one per failed threshold, so CI test tabs show what the change
// breaks.
type ImpactJUnit struct{}

type impactSuite struct {
	XMLName  xml.Name     `xml:"testsuite"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Cases    []impactCase `xml:"testcase"`
}

type impactCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Failure   *impactFailure `xml:"failure,omitempty"`
}

type impactFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// Print implements ImpactPrinter.
func (ImpactJUnit) Print(w io.Writer, r *impact.Report) error {
	s := impactSuite{Name: "apimlab impact"}
	add := func(class, name, failure string) {
		c := impactCase{Name: name, Classname: class}
		if failure != "" {
			c.Failure = &impactFailure{Message: failure, Text: failure}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	for _, sc := range r.Scenarios {
		flipped := map[string]impact.AssertionFlip{}
		for _, f := range sc.Flips {
			flipped[f.Name] = f
		}
		if sc.Head == nil {
			for _, f := range sc.Flips {
				msg := ""
				if f.Passed[0] && !f.Passed[1] {
					msg = "now fails: " + f.Observed[1]
				}
				add("scenario "+sc.Name, f.Name, msg)
			}
			continue
		}
		for _, a := range sc.Head.Assertions {
			msg := ""
			if f, ok := flipped[a.Name]; ok && f.Passed[0] && !f.Passed[1] {
				msg = fmt.Sprintf("passed on base (%s), fails on head (%s)", f.Observed[0], f.Observed[1])
			}
			add("scenario "+sc.Name, a.Name, msg)
		}
	}
	for _, reason := range r.Reasons {
		if strings.Contains(reason, "now fails") {
			continue // the assertion's own testcase carries it
		}
		add("verdict", reason, reason)
	}
	if len(s.Cases) == 0 {
		add("verdict", "impact", "")
	}
	s.Tests = len(s.Cases)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
