package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/apimlab/apimlab/internal/demo"
)

// DemoCmd runs apimlab on the embedded demo configuration.
type DemoCmd struct {
	Dir   string `default:"apimlab-demo" help:"Folder the demo configuration, scenarios and reports are written to."`
	Color string `enum:"auto,always,never" default:"auto" help:"Colour the terminal reports (auto: only on a terminal)."`
}

// Run is the product tour (see internal/demo): load, lint, simulate the
// failover scenario and write the HTML and Markdown reports. Lint findings
// do not fail the demo; Ctrl-C stops it.
func (c *DemoCmd) Run(g *Globals) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	color := c.Color == "always" || (c.Color == "auto" && isTerminal(g.Stdout))
	_, err := demo.Run(ctx, g.Stdout, demo.Options{Dir: c.Dir, Color: color, Version: Version})
	return err
}
