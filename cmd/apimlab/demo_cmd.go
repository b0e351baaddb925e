package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/apimlab/apimlab/internal/demo"
)

// DemoCmd runs apimlab on the embedded demo configuration.
type DemoCmd struct {
	Keep  bool   `help:"Keep the extracted demo files and print where they are."`
	Color string `enum:"auto,always,never" default:"auto" help:"Colour the lint report (auto: only on a terminal)."`
}

// Run loads, lints and rehearses failover on the demo configuration (see
// internal/demo). Lint findings do not fail the demo; Ctrl-C stops it.
func (c *DemoCmd) Run(g *Globals) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	color := c.Color == "always" || (c.Color == "auto" && isTerminal(g.Stdout))
	_, err := demo.Run(ctx, g.Stdout, demo.Options{Keep: c.Keep, Color: color, Version: Version})
	return err
}
