package shellcomp

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// writeFish writes a fish completion script: a helper that finds the
// command path on the command line (the same walk as the bash script),
// then one `complete` line per subcommand, flag and value list, each
// guarded by the command it belongs to.
func writeFish(w io.Writer, name string, root command) error {
	fn := "__" + funcName(name)
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# fish completion for %s. Load it with: %s completion fish | source\n\n", name, name)

	list := func(vals []string) string {
		q := make([]string, len(vals))
		for i, v := range vals {
			q[i] = fishWord(v)
		}
		return strings.Join(q, " ")
	}
	table := func(suffix string, row func(command) []string) {
		fmt.Fprintf(b, "function %s_%s\n    switch \"$argv[1]\"\n", fn, suffix)
		root.walk(func(c command) {
			if v := row(c); len(v) > 0 {
				fmt.Fprintf(b, "        case %s\n            printf '%%s\\n' %s\n", fishWord(c.path), list(v))
			}
		})
		fmt.Fprintf(b, "    end\nend\n\n")
	}
	table("subcommands", command.subNames)
	table("value_flags", command.valueFlagNames)

	fmt.Fprintf(b, `function %[1]s_cmd
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmd ''
    set -l skip 0
    for w in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
                continue
            case '-*'
                if contains -- $w (%[1]s_value_flags "$cmd")
                    set skip 1
                end
                continue
        end
        if contains -- $w (%[1]s_subcommands "$cmd")
            set cmd (string trim -- "$cmd $w")
        end
    end
    echo $cmd
end

function %[1]s_is
    set -l cmd (%[1]s_cmd)
    test "$cmd" = "$argv[1]"
end

complete -c %[2]s -f
`, fn, name)

	root.walk(func(c command) {
		cond := fmt.Sprintf("-n %s", fishWord(fn+"_is "+fishWord(c.path)))
		for _, s := range c.subs {
			sub := s.path[strings.LastIndex(s.path, " ")+1:]
			fmt.Fprintf(b, "complete -c %s %s -a %s -d %s\n", name, cond, fishWord(sub), fishWord(firstLine(s.help)))
		}
		for _, f := range c.flags {
			line := fmt.Sprintf("complete -c %s %s -l %s", name, cond, strings.TrimPrefix(f.long, "--"))
			if f.short != "" {
				line += " -s " + strings.TrimPrefix(f.short, "-")
			}
			switch {
			case f.takesValue && len(f.values) > 0:
				line += " -x -a " + fishWord(strings.Join(f.values, " "))
			case f.takesValue:
				line += " -r -F"
			}
			fmt.Fprintf(b, "%s -d %s\n", line, fishWord(firstLine(f.help)))
		}
		switch {
		case len(c.args) > 0:
			fmt.Fprintf(b, "complete -c %s %s -a %s\n", name, cond, fishWord(strings.Join(sortedUnique(c.args), " ")))
		case c.hasArgs && len(c.subs) == 0:
			fmt.Fprintf(b, "complete -c %s %s -F\n", name, cond)
		}
	})
	return b.Flush()
}

// firstLine returns the first sentence-line of a help text, for fish's
// one-line descriptions.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}
