// Package shellcomp writes static shell completion scripts for bash, zsh
// and fish from a kong command model.
//
// The scripts carry the whole command tree (subcommands, flags, enum
// values, and value lists such as rule IDs) so completion works without
// calling the program back. The kong completion libraries
// (github.com/willabides/kongplete, github.com/jotaen/kong-completion)
// work the other way: the shell calls the binary (by absolute path) on
// every <Tab> through github.com/posener/complete v1, which needs a hook
// in main before kong parses and leaves nothing to inspect in the script
// itself. A static script survives the binary moving (go install, a
// container) and is tested by reading it.
package shellcomp

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/alecthomas/kong"
)

// Options supply the values kong's model does not hold.
type Options struct {
	// Predictors maps a name used in a flag's or argument's
	// `predictor:"NAME"` tag to the values offered for it.
	Predictors map[string][]string
	// Args maps a command path ("explain", "certs init") to the values
	// offered for its positional arguments, for commands whose fields
	// carry no predictor tag.
	Args map[string][]string
}

// command is one node of the flattened tree.
type command struct {
	path    string // "" for the root, "certs init"
	help    string
	subs    []command
	flags   []flag
	args    []string // values for positional arguments
	hasArgs bool     // takes positional arguments (files when args is empty)
}

type flag struct {
	long, short string
	help        string
	takesValue  bool
	values      []string // nil: complete files
}

// Shells lists the shells Write supports.
var Shells = []string{"bash", "fish", "zsh"}

// Write writes the completion script for shell ("bash", "zsh" or "fish")
// of app to w.
func Write(w io.Writer, shell string, app *kong.Application, opts Options) error {
	root, err := build(app.Node, "", opts)
	if err != nil {
		return err
	}
	name := app.Name
	switch shell {
	case "bash":
		return writeBash(w, name, root, false)
	case "zsh":
		return writeBash(w, name, root, true)
	case "fish":
		return writeFish(w, name, root)
	}
	return fmt.Errorf("unknown shell %q (want one of %s)", shell, strings.Join(Shells, ", "))
}

func build(n *kong.Node, path string, opts Options) (command, error) {
	c := command{path: path, help: n.Help}
	for _, group := range n.AllFlags(true) {
		for _, f := range group {
			fl := flag{long: "--" + f.Name, help: f.Help, takesValue: !f.IsBool() && !f.IsCounter()}
			if f.Short != 0 {
				fl.short = "-" + string(f.Short)
			}
			if fl.takesValue {
				vals, err := valuesOf(f.Value, opts)
				if err != nil {
					return c, fmt.Errorf("flag --%s: %w", f.Name, err)
				}
				fl.values = vals
			}
			c.flags = append(c.flags, fl)
		}
	}
	for _, p := range n.Positional {
		c.hasArgs = true
		vals, err := valuesOf(p, opts)
		if err != nil {
			return c, fmt.Errorf("argument <%s>: %w", p.Name, err)
		}
		c.args = append(c.args, vals...)
	}
	if vals, ok := opts.Args[path]; ok {
		c.args = append(c.args, vals...)
	}
	for _, child := range n.Children {
		if child.Hidden || child.Type != kong.CommandNode {
			continue
		}
		sub, err := build(child, strings.TrimSpace(path+" "+child.Name), opts)
		if err != nil {
			return c, err
		}
		c.subs = append(c.subs, sub)
	}
	return c, nil
}

// valuesOf returns the values to offer for v: its enum, or its predictor.
func valuesOf(v *kong.Value, opts Options) ([]string, error) {
	if v.Enum != "" {
		var out []string
		for _, e := range v.EnumSlice() {
			if e != "" {
				out = append(out, e)
			}
		}
		return out, nil
	}
	if v.Tag != nil {
		if p := v.Tag.Get("predictor"); p != "" {
			vals, ok := opts.Predictors[p]
			if !ok {
				return nil, fmt.Errorf("no predictor %q", p)
			}
			return vals, nil
		}
	}
	return nil, nil
}

// walk calls fn for c and every command below it, parents first.
func (c command) walk(fn func(command)) {
	fn(c)
	for _, s := range c.subs {
		s.walk(fn)
	}
}

func (c command) subNames() []string {
	out := make([]string, 0, len(c.subs))
	for _, s := range c.subs {
		out = append(out, s.path[strings.LastIndex(s.path, " ")+1:])
	}
	return out
}

func (c command) flagNames() []string {
	var out []string
	for _, f := range c.flags {
		out = append(out, f.long)
		if f.short != "" {
			out = append(out, f.short)
		}
	}
	return out
}

func (c command) valueFlagNames() []string {
	var out []string
	for _, f := range c.flags {
		if f.takesValue {
			out = append(out, f.long)
			if f.short != "" {
				out = append(out, f.short)
			}
		}
	}
	return out
}

// shellWord quotes s for a POSIX shell or fish single-quoted string.
func shellWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func fishWord(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// funcName turns a program name into a shell identifier.
func funcName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// sortedUnique returns the sorted distinct values.
func sortedUnique(vals []string) []string {
	out := slices.Clone(vals)
	sort.Strings(out)
	return slices.Compact(out)
}
