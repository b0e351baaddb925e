package policyexpr

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

var (
	corpusDir = flag.String("corpus", "", "regenerate testdata/corpus_exprs.txt from this corpus directory (e.g. /work/shared/corpus)")
	update    = flag.Bool("update", false, "rewrite testdata/corpus_results.txt")
)

const (
	corpusFile  = "testdata/corpus_exprs.txt"
	resultsFile = "testdata/corpus_results.txt"
)

// corpusEntry is one policy expression found in the corpus.
type corpusEntry struct {
	file  string // corpus-relative path
	where string // element path and attribute
	block bool
	src   string
}

// TestCorpusExpressions compiles every expression collected from the real
// configurations in the corpus. Each either compiles or fails with an
// *UnsupportedError naming the construct; testdata/corpus_results.txt lists
// which is which and is compared verbatim (-update rewrites it).
func TestCorpusExpressions(t *testing.T) {
	if *corpusDir != "" {
		entries, err := collectCorpus(*corpusDir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(corpusFile, []byte(formatCorpus(entries)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseCorpus(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no corpus expressions")
	}
	var b strings.Builder
	compiled := 0
	for i, e := range entries {
		fmt.Fprintf(&b, "%d %s %s: ", i+1, e.file, e.where)
		pos := apim.Position{File: e.file, Line: 1, Col: 1}
		if _, after, ok := strings.Cut(e.where, "line "); ok {
			if _, err := fmt.Sscanf(after, "%d col %d", &pos.Line, &pos.Col); err == nil {
				pos.Col += 2 // the source starts after "@(" or "@{"
			}
		}
		_, err := Compile(e.src, e.block, pos)
		var ue *UnsupportedError
		switch {
		case err == nil:
			compiled++
			b.WriteString("compiles\n")
		case errors.As(err, &ue) && strings.HasPrefix(ue.Construct, "unresolved named value"):
			// The loader substitutes named values before compiling; do the
			// same with a numeric stand-in to check the rest.
			sub := namedValueRE.ReplaceAllString(e.src, "50")
			if _, err := Compile(sub, e.block, apim.Position{File: e.file, Line: 1, Col: 1}); err != nil {
				t.Errorf("entry %d (%s) with named values substituted: %v", i+1, e.file, err)
			}
			compiled++
			fmt.Fprintf(&b, "compiles once named values are substituted (%s)\n", ue.Construct)
		case errors.As(err, &ue):
			fmt.Fprintf(&b, "unsupported at %s: %s\n", ue.Pos, ue.Construct)
		default:
			t.Errorf("entry %d (%s %s): %q: want success or *UnsupportedError, got %v", i+1, e.file, e.where, e.src, err)
			fmt.Fprintf(&b, "ERROR %v\n", err)
		}
	}
	fmt.Fprintf(&b, "total %d, compiled %d, unsupported %d\n", len(entries), compiled, len(entries)-compiled)
	got := b.String()
	if *update {
		if err := os.WriteFile(resultsFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(resultsFile)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("corpus results changed (run go test -run TestCorpusExpressions -update to accept):\n got:\n%s\nwant:\n%s", got, want)
	}
}

var namedValueRE = regexp.MustCompile(`\{\{[A-Za-z0-9._-]+\}\}`)

// formatCorpus writes entries as "-- file | where | expr|block --" headers
// followed by the source.
func formatCorpus(entries []corpusEntry) string {
	var b strings.Builder
	b.WriteString("# Policy expressions collected from /work/shared/corpus (see SOURCES.md there).\n")
	b.WriteString("# Regenerate: go test ./apim/policyexpr -run TestCorpusExpressions -corpus /work/shared/corpus -update\n")
	for _, e := range entries {
		kind := "expr"
		if e.block {
			kind = "block"
		}
		fmt.Fprintf(&b, "-- %s | %s | %s --\n%s\n", e.file, e.where, kind, e.src)
	}
	return b.String()
}

func parseCorpus(s string) ([]corpusEntry, error) {
	var out []corpusEntry
	for _, line := range strings.SplitAfter(s, "\n") {
		trim := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trim, "-- ") && strings.HasSuffix(trim, " --") {
			f := strings.Split(strings.TrimSuffix(strings.TrimPrefix(trim, "-- "), " --"), " | ")
			if len(f) != 3 {
				return nil, fmt.Errorf("bad corpus header %q", trim)
			}
			out = append(out, corpusEntry{file: f[0], where: f[1], block: f[2] == "block"})
			continue
		}
		if len(out) == 0 {
			if strings.HasPrefix(trim, "#") || trim == "" {
				continue
			}
			return nil, fmt.Errorf("text before the first header: %q", trim)
		}
		out[len(out)-1].src += line
	}
	for i := range out {
		out[i].src = strings.TrimSuffix(out[i].src, "\n")
	}
	return out, nil
}

// collectCorpus finds every @(…) and @{…} in the XML files of dir and in
// policy XML embedded in strings of its JSON files. XML comments are
// skipped: commented-out policies are not configuration.
func collectCorpus(dir string) ([]corpusEntry, error) {
	var out []corpusEntry
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".xml":
			out = append(out, fromXML(rel, "", string(data))...)
		case ".json":
			if !strings.Contains(string(data), "@(") && !strings.Contains(string(data), "@{") {
				return nil
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			walkJSON(v, "$", func(p, s string) {
				if strings.Contains(s, "<") && (strings.Contains(s, "@(") || strings.Contains(s, "@{")) {
					out = append(out, fromXML(rel, p+" ", s)...)
				}
			})
		}
		return nil
	})
	return out, err
}

func walkJSON(v any, path string, f func(path, s string)) {
	switch x := v.(type) {
	case string:
		f(path, x)
	case []any:
		for i, e := range x {
			walkJSON(e, fmt.Sprintf("%s[%d]", path, i), f)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkJSON(x[k], path+"."+k, f)
		}
	}
}

// fromXML scans policy XML as text rather than parsing it: real policies
// put unescaped quotes inside attribute expressions (condition="@(a == "b")"),
// which APIM accepts and XML parsers reject. Comments are blanked first.
func fromXML(file, prefix, text string) []corpusEntry {
	blank := commentRE.ReplaceAllStringFunc(text, func(c string) string {
		return strings.Map(func(r rune) rune {
			if r == '\n' {
				return r
			}
			return ' '
		}, c)
	})
	var out []corpusEntry
	for _, e := range extract(blank) {
		line := 1 + strings.Count(blank[:e.off], "\n")
		col := e.off - strings.LastIndex(blank[:e.off], "\n")
		out = append(out, corpusEntry{
			file:  file,
			where: fmt.Sprintf("%sline %d col %d", prefix, line, col),
			block: e.block,
			src:   xmlUnescape.Replace(e.src),
		})
	}
	return out
}

var (
	commentRE   = regexp.MustCompile(`(?s)<!--.*?-->`)
	xmlUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", "\"", "&apos;", "'", "&amp;", "&")
)

type found struct {
	off   int
	block bool
	src   string
}

// extract returns the balanced @(…) / @{…} expressions in s.
func extract(s string) []found {
	var out []found
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '@' || (s[i+1] != '(' && s[i+1] != '{') {
			continue
		}
		open, close := s[i+1], byte(')')
		if open == '{' {
			close = '}'
		}
		end := balanced(s, i+1, open, close)
		if end < 0 {
			continue
		}
		out = append(out, found{off: i, block: open == '{', src: s[i+2 : end]})
		i = end
	}
	return out
}

// balanced returns the index of the bracket closing s[start], skipping C#
// string and character literals, or -1.
func balanced(s string, start int, open, close byte) int {
	depth := 0
	for i := start; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			verbatim := i > 0 && s[i-1] == '@'
			for i++; i < len(s); i++ {
				if s[i] == '\\' && !verbatim {
					i++
				} else if s[i] == '"' {
					if verbatim && i+1 < len(s) && s[i+1] == '"' {
						i++
						continue
					}
					break
				}
			}
		case c == '\'':
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case c == open:
			depth++
		case c == close:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
