package shellcomp

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// writeBash writes a bash completion script; with zsh set, the same
// script behind zsh's bashcompinit. The completion function only uses
// its arguments ($2 the current word, $3 the previous one), COMP_CWORD
// and COMP_WORDS iterated as a list, which bash and zsh's bashcompinit
// both provide with the same meaning.
func writeBash(w io.Writer, name string, root command, zsh bool) error {
	fn := "_" + funcName(name)
	b := bufio.NewWriter(w)
	if zsh {
		fmt.Fprintf(b, "#compdef %s\n", name)
		fmt.Fprintf(b, "# zsh completion for %s. Load it with: source <(%s completion zsh)\n", name, name)
		fmt.Fprintf(b, "autoload -U +X compinit && { (( $+functions[compdef] )) || compinit; }\n")
		fmt.Fprintf(b, "autoload -U +X bashcompinit && bashcompinit\n\n")
	} else {
		fmt.Fprintf(b, "# bash completion for %s. Load it with: source <(%s completion bash)\n\n", name, name)
	}

	table := func(suffix string, row func(command) (string, bool)) {
		fmt.Fprintf(b, "%s_%s() {\n  case \"$1\" in\n", fn, suffix)
		root.walk(func(c command) {
			if v, ok := row(c); ok {
				fmt.Fprintf(b, "    %s) printf '%%s\\n' %s ;;\n", shellWord(c.path), v)
			}
		})
		fmt.Fprintf(b, "    *) return 1 ;;\n  esac\n}\n\n")
	}
	words := func(vals []string) string {
		q := make([]string, len(vals))
		for i, v := range vals {
			q[i] = shellWord(v)
		}
		return strings.Join(q, " ")
	}
	table("subcommands", func(c command) (string, bool) {
		return words(c.subNames()), len(c.subs) > 0
	})
	table("flags", func(c command) (string, bool) {
		return words(c.flagNames()), len(c.flags) > 0
	})
	table("value_flags", func(c command) (string, bool) {
		v := c.valueFlagNames()
		return words(v), len(v) > 0
	})
	table("args", func(c command) (string, bool) {
		return words(sortedUnique(c.args)), len(c.args) > 0
	})

	// Flag values: one case per "command flag" pair that has a list.
	fmt.Fprintf(b, "%s_flag_values() {\n  case \"$1 $2\" in\n", fn)
	root.walk(func(c command) {
		for _, f := range c.flags {
			if !f.takesValue || len(f.values) == 0 {
				continue
			}
			pats := []string{shellWord(c.path + " " + f.long)}
			if f.short != "" {
				pats = append(pats, shellWord(c.path+" "+f.short))
			}
			fmt.Fprintf(b, "    %s) printf '%%s\\n' %s ;;\n", strings.Join(pats, "|"), words(f.values))
		}
	})
	fmt.Fprintf(b, "    *) return 1 ;;\n  esac\n}\n\n")

	fmt.Fprintf(b, `# %[1]s_in LIST WORD: whether WORD is one of LIST's lines (no word
# splitting, which zsh does not do on $1).
%[1]s_in() {
  case "
$1
" in
    *"
$2
"*) return 0 ;;
  esac
  return 1
}

%[1]s() {
  local cur="$2" prev="$3" cmd="" w i=0 skip=0 vals
  COMPREPLY=()
  # Find the command path, skipping flags and the values they take.
  for w in "${COMP_WORDS[@]}"; do
    if [ "$i" -ge 1 ] && [ "$i" -lt "$COMP_CWORD" ]; then
      if [ "$skip" = 1 ]; then
        [ "$w" = "=" ] || skip=0
      else
        case "$w" in
          --*=*) ;;
          -*) %[1]s_in "$(%[1]s_value_flags "$cmd")" "$w" && skip=1 ;;
          *) %[1]s_in "$(%[1]s_subcommands "$cmd")" "$w" && cmd="${cmd:+$cmd }$w" ;;
        esac
      fi
    fi
    i=$((i + 1))
  done
  # A flag's value: after "--flag" or "--flag=" (bash splits at "=").
  if [ "$prev" = "=" ]; then
    i=0
    for w in "${COMP_WORDS[@]}"; do
      [ "$i" -eq $((COMP_CWORD - 2)) ] && prev="$w"
      i=$((i + 1))
    done
  fi
  if [ "$skip" = 1 ] || [ "$cur" = "=" ]; then
    [ "$cur" = "=" ] && cur=""
    if vals="$(%[1]s_flag_values "$cmd" "$prev")"; then
      COMPREPLY=($(compgen -W "$vals" -- "$cur"))
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
  fi
  case "$cur" in
    -*)
      COMPREPLY=($(compgen -W "$(%[1]s_flags "$cmd")" -- "$cur"))
      return 0
      ;;
  esac
  if vals="$(%[1]s_subcommands "$cmd")"; then
    COMPREPLY=($(compgen -W "$vals" -- "$cur"))
  elif vals="$(%[1]s_args "$cmd")"; then
    COMPREPLY=($(compgen -W "$vals" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}

complete -o bashdefault -o default -F %[1]s %[2]s
`, fn, name)
	return b.Flush()
}
