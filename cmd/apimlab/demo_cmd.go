package main

import (
	"fmt"
	"os"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/apim/summary"
	"github.com/apimlab/apimlab/fixtures"
)

// DemoCmd runs apimlab on the embedded demo configuration.
type DemoCmd struct {
	Keep bool `help:"Keep the extracted demo files and print where they are."`
}

// Run extracts the demo into a temporary folder, loads it and reports.
func (c *DemoCmd) Run(g *Globals) error {
	dir, err := os.MkdirTemp("", "apimlab-demo-")
	if err != nil {
		return err
	}
	if !c.Keep {
		defer os.RemoveAll(dir)
	}
	root, err := fixtures.ExtractDemo(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.Stdout, "apimlab demo: the embedded configuration %s\n\n", root)
	svc, err := load.Load([]string{root}, load.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintln(g.Stdout, "== inspect: what apimlab loaded ==")
	fmt.Fprint(g.Stdout, summary.Of(svc, summary.Options{}).Text())
	return nil
}
