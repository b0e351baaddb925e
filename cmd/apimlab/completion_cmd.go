package main

import (
	"github.com/alecthomas/kong"
	"github.com/apimlab/apimlab/internal/shellcomp"
	"github.com/apimlab/apimlab/lint/rules"
)

// CompletionCmd prints a shell completion script.
type CompletionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"Shell to complete in: bash, zsh or fish."`
}

// Help explains how to load the script.
func (c *CompletionCmd) Help() string {
	return `Prints a completion script for commands, flags, formats and rule IDs. Load it with:

  bash:  source <(apimlab completion bash)       (or save it in /etc/bash_completion.d/apimlab)
  zsh:   source <(apimlab completion zsh)        (needs compinit; works through bashcompinit)
  fish:  apimlab completion fish | source        (or save it in ~/.config/fish/completions/apimlab.fish)`
}

// Run writes the script for the chosen shell from the command model.
func (c *CompletionCmd) Run(ctx *kong.Context, g *Globals) error {
	return shellcomp.Write(g.Stdout, c.Shell, ctx.Model, completionOptions())
}

// completionOptions supplies the value lists the kong model lacks: rule
// IDs for flags tagged predictor:"rules", and IDs and names for explain.
func completionOptions() shellcomp.Options {
	var ids, idsAndNames []string
	for _, r := range rules.All {
		ids = append(ids, r.ID)
		idsAndNames = append(idsAndNames, r.ID, r.Name)
	}
	return shellcomp.Options{
		Predictors: map[string][]string{"rules": ids},
		Args:       map[string][]string{"explain": idsAndNames},
	}
}
