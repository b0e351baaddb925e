package main

import (
	"strings"

	"github.com/alecthomas/kong"
	"github.com/apimlab/apimlab/reports"
)

// vars feeds kong's ${...} interpolation (enums built from registries).
func vars() kong.Vars {
	return kong.Vars{
		"formats":       strings.Join(reports.PrinterNames(), ","),
		"runformats":    strings.Join(reports.RunFormats(), ", "),
		"impactformats": strings.Join(reports.ImpactFormats(), ", "),
	}
}
