package main

import (
	"fmt"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "0.1.0-dev"

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version and the Go toolchain.
func (c *VersionCmd) Run(g *Globals) error {
	gov := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		gov = " " + bi.GoVersion
	}
	_, err := fmt.Fprintf(g.Stdout, "apimlab %s%s\n", Version, gov)
	return err
}
