package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
)

// ExplainCmd prints a rule's documentation.
type ExplainCmd struct {
	ID   string `arg:"" optional:"" help:"Rule ID (APIM001) or name (tls-validation-disabled)."`
	List bool   `help:"List every rule with its default severity and summary."`
}

// Run prints the documentation of one rule, or the catalogue.
func (c *ExplainCmd) Run(g *Globals) error {
	if c.List || c.ID == "" {
		tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
		for _, r := range rules.All {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Doc.Title)
		}
		return tw.Flush()
	}
	r, ok := rules.ByID(c.ID)
	if !ok {
		return usageErr("unknown rule %q (see `apimlab explain --list`)", c.ID)
	}
	return lint.Explain(g.Stdout, r)
}
