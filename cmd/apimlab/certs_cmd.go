package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/apimlab/apimlab/certs"
)

// CertsCmd groups the certificate subcommands.
type CertsCmd struct {
	Init CertsInitCmd `cmd:"" help:"Write a throw-away test PKI (root, intermediate, server, client and broken variants) as PEM and PFX."`
}

// CertsInitCmd writes a test PKI to a directory with certs.Init.
type CertsInitCmd struct {
	Dir      string   `arg:"" name:"dir" type:"path" help:"Directory to write (created if needed)."`
	Host     []string `name:"host" placeholder:"HOST" help:"Host name or IP address for the server certificates (repeatable; default localhost and 127.0.0.1)."`
	Password string   `name:"password" placeholder:"P" help:"Password of every PFX (default: the documented test password, see README.md in DIR)."`
	RSA2048  bool     `name:"rsa2048" help:"Also write client-rsa2048 (an RSA client certificate; slower to generate)."`
	Force    bool     `help:"Overwrite existing files."`
}

// Run generates the PKI and lists the files written. It never prints a
// key or the password.
func (c *CertsInitCmd) Run(g *Globals) error {
	files, err := certs.Init(c.Dir, certs.InitOptions{Hosts: c.Host, Password: c.Password, RSA2048: c.RSA2048, Force: c.Force})
	if errors.Is(err, certs.ErrExists) {
		return usageErr("%v; pass --force to overwrite", err)
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Wrote %d files to %s (TEST-ONLY material; see %s):\n", len(files), c.Dir, certs.ReadmeName)
	for _, f := range files {
		mark := ""
		if f.Private {
			mark = " [private key, TEST-ONLY, mode 0600]"
		}
		fmt.Fprintf(tw, "  %s\t%s%s\n", f.Name, f.What, mark)
	}
	pw := "the default test password (see " + certs.ReadmeName + ")"
	if c.Password != "" {
		pw = "the password given with --password"
	}
	fmt.Fprintf(tw, "PFX files are protected by %s.\n", pw)
	return tw.Flush()
}
