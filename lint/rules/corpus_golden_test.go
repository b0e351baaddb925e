package rules

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
	"github.com/apimlab/apimlab/lint/linttest"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/corpus.golden (keeps the review comments)")

const corpusGolden = "testdata/corpus.golden"

// TestCorpusGolden lints every top-level folder of the shared corpus of
// real public APIM configurations with the whole catalogue, one folder at
// a time (each is its own repository upstream), and compares the findings
// with testdata/corpus.golden. Every group of findings there (same file,
// same rule) carries a review comment saying why it is right; a new group
// gets a "TODO: review" comment on -update-corpus and fails the test until
// someone explains it. This is how no false positive stays unexplained.
func TestCorpusGolden(t *testing.T) {
	if _, err := os.Stat(sharedCorpusDir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	got, errGroups := corpusFindings(t)
	comments, order, err := readGolden(corpusGolden)
	if err != nil && !*updateCorpus {
		t.Fatalf("%v (run go test ./lint/rules -run TestCorpusGolden -update-corpus)", err)
	}
	if *updateCorpus {
		if err := writeGolden(corpusGolden, got, comments); err != nil {
			t.Fatal(err)
		}
		comments, order, _ = readGolden(corpusGolden)
	}
	if strings.Join(order, "\n") != strings.Join(got, "\n") {
		t.Errorf("findings on the corpus changed (run go test ./lint/rules -run TestCorpusGolden -update-corpus, then review):\n%s",
			lineDiff(order, got))
	}
	for key, c := range comments {
		if strings.Contains(c, "TODO") {
			t.Errorf("%s: findings not reviewed yet: %s", corpusGolden, key)
		}
	}
	// Every error-severity finding is a true positive: its review says
	// "# Right." or "# Right (error)", not "right for the input given" or
	// "for the defaults", which are warnings or info at most.
	for key := range errGroups {
		c := comments[key]
		if !strings.HasPrefix(c, "# Right.") && !strings.HasPrefix(c, "# Right (error)") {
			t.Errorf("%s: %s has error-severity findings; its review must open with \"# Right.\" or \"# Right (error)\" (a true positive), got %q",
				corpusGolden, key, firstCommentLine(c))
		}
	}
}

// corpusFindings returns "file:line:col RULE message" for every finding,
// files relative to the corpus, sorted.
// firstCommentLine returns the first line of s.
func firstCommentLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// corpusFindings also returns the groups (file and rule, as groupKey) that
// hold an error-severity finding.
func corpusFindings(t *testing.T) ([]string, map[string]bool) {
	t.Helper()
	entries, err := os.ReadDir(sharedCorpusDir)
	if err != nil {
		t.Fatal(err)
	}
	errGroups := map[string]bool{}
	type row struct {
		file       string
		line, col  int
		rule, text string
	}
	var rows []row
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		svc, err := load.Load([]string{filepath.Join(sharedCorpusDir, e.Name())}, load.Options{})
		if err != nil {
			// arm-schemas holds JSON schemas, no configuration: the
			// loader says so (exit 2 on the command line).
			rows = append(rows, row{file: e.Name() + "/", text: fmt.Sprintf("%s/: not loaded: %v", e.Name(), err)})
			continue
		}
		cfg := &lint.Config{}
		certmat.Attach(cfg, certmat.Options{LookupEnv: func(string) (string, bool) { return "", false }})
		res := lint.Run(svc, All, cfg, lint.RunOptions{Now: linttest.Now})
		for _, f := range res.Findings {
			rel, err := filepath.Rel(sharedCorpusDir, f.Pos.File)
			if err != nil {
				rel = f.Pos.File
			}
			rel = filepath.ToSlash(rel)
			if f.Severity == lint.Error {
				errGroups[rel+" "+f.Rule] = true
			}
			rows = append(rows, row{file: rel, line: f.Pos.Line, col: f.Pos.Col, rule: f.Rule,
				text: fmt.Sprintf("%s:%d:%d %s %s", rel, f.Pos.Line, f.Pos.Col, f.Rule,
					strings.ReplaceAll(f.Message, sharedCorpusDir+"/", ""))})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.file != b.file {
			return a.file < b.file
		}
		if a.line != b.line {
			return a.line < b.line
		}
		if a.col != b.col {
			return a.col < b.col
		}
		return a.rule < b.rule
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.text
	}
	return out, errGroups
}

// groupKey is the file and rule of a finding line.
func groupKey(line string) string {
	fields := strings.Fields(line)
	file, _, _ := strings.Cut(line, ":")
	if len(fields) < 2 {
		return line
	}
	// The rule ID is the first field after the position.
	for _, f := range fields {
		if strings.HasPrefix(f, "APIM") && len(f) == 7 {
			return file + " " + f
		}
	}
	return file
}

// readGolden returns the review comment of every group and the finding
// lines in order.
func readGolden(path string) (comments map[string]string, lines []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	comments = map[string]string{}
	var pending []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			if !slices.Contains(goldenHeader, line) {
				pending = append(pending, line)
			}
		case strings.TrimSpace(line) == "":
		default:
			if len(pending) > 0 {
				comments[groupKey(line)] = strings.Join(pending, "\n")
				pending = nil
			}
			lines = append(lines, line)
		}
	}
	return comments, lines, sc.Err()
}

// goldenHeader opens corpus.golden; readGolden does not take it for the
// first group's review (which made every -update-corpus repeat it).
var goldenHeader = []string{
	"# Findings of the whole catalogue on ../shared/corpus, each top-level folder linted on its own",
	"# (go test ./lint/rules -run TestCorpusGolden -update-corpus rewrites the finding lines and keeps",
	"# these comments). Each group of findings (same file, same rule) is preceded by its review.",
}

func writeGolden(path string, lines []string, comments map[string]string) error {
	var b strings.Builder
	for _, h := range goldenHeader {
		b.WriteString(h + "\n")
	}
	prev := ""
	for _, l := range lines {
		if k := groupKey(l); k != prev {
			c := comments[k]
			if c == "" {
				c = "# TODO: review " + k + " and explain why these findings are right"
			}
			b.WriteString("\n" + c + "\n")
			prev = k
		}
		b.WriteString(l + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func lineDiff(want, got []string) string {
	w := map[string]bool{}
	for _, l := range want {
		w[l] = true
	}
	g := map[string]bool{}
	for _, l := range got {
		g[l] = true
	}
	var b strings.Builder
	for _, l := range want {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range got {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
