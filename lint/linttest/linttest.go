// Package linttest runs a lint rule on its fixtures and checks that it
// reports exactly the findings the fixtures expect.
//
// Fixtures live in testdata/<ID>/ beside the rules, as txtar archives
// (golang.org/x/tools/txtar). An archive holds the input files (ARM or REST
// JSON, policy XML, APIOps folders), optionally an .apimlab.yaml applied to
// the run, and a "want" section with one expected finding per line:
//
//	file:line:col APIM001 regexp matching the message
//	file:line APIM001 regexp            (any column)
//
// Policy XML files may instead mark the line of the next element with a
// comment: <!-- want "APIM401: no backend" -->. An optional "args" section
// lists the paths (relative to the archive root) to load, one per line; by
// default every input file is loaded.
//
// Archives whose name starts with "bad" must expect at least one finding;
// archives starting with "good" must expect none and produce none. A rule
// without any archive fails.
package linttest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"golang.org/x/tools/txtar"
)

// Now is the time fixtures run at (suppression expiry is relative to it).
var Now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Run checks rule against the archives in testdata/<rule.ID>/.
func Run(t *testing.T, rule *lint.Rule) {
	t.Helper()
	RunDir(t, filepath.Join("testdata", rule.ID), rule)
}

// RunDir checks rule against the archives in dir.
func RunDir(t *testing.T, dir string, rule *lint.Rule) {
	t.Helper()
	archives, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil || len(archives) == 0 {
		t.Errorf("%s: no fixtures: add %s/bad.txtar and %s/good.txtar", rule.ID, dir, dir)
		return
	}
	for _, a := range archives {
		t.Run(strings.TrimSuffix(filepath.Base(a), ".txtar"), func(t *testing.T) {
			t.Parallel()
			runArchive(t, a, rule)
		})
	}
}

// Expectation is one expected finding.
type Expectation struct {
	File string
	Line int
	// Col is 0 when any column matches.
	Col  int
	Rule string
	Re   *regexp.Regexp
	// Src is where the expectation is written, for messages.
	Src string
}

func (e Expectation) String() string {
	pos := e.File + ":" + strconv.Itoa(e.Line)
	if e.Col > 0 {
		pos += ":" + strconv.Itoa(e.Col)
	}
	return fmt.Sprintf("%s %s %q", pos, e.Rule, e.Re)
}

func runArchive(t *testing.T, archive string, rule *lint.Rule) {
	ar, err := txtar.ParseFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var inputs []string
	var wants []Expectation
	var cfgPath string
	var args []string
	for _, f := range ar.Files {
		switch f.Name {
		case "want":
			ws, err := ParseWant(archive, f.Data)
			if err != nil {
				t.Fatal(err)
			}
			wants = append(wants, ws...)
			continue
		case "args":
			args = strings.Fields(string(f.Data))
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f.Name) == lint.DefaultConfigFile {
			cfgPath = p
			continue
		}
		inputs = append(inputs, p)
		if strings.EqualFold(filepath.Ext(f.Name), ".xml") {
			ws, err := ParseXMLWants(f.Name, f.Data)
			if err != nil {
				t.Fatalf("%s: %v", archive, err)
			}
			wants = append(wants, ws...)
		}
	}
	if len(args) > 0 {
		inputs = inputs[:0]
		for _, a := range args {
			inputs = append(inputs, filepath.Join(root, filepath.FromSlash(a)))
		}
	}
	base := filepath.Base(archive)
	switch {
	case strings.HasPrefix(base, "bad") && len(wants) == 0:
		t.Fatalf("%s: a bad fixture must expect at least one %s finding", archive, rule.ID)
	case strings.HasPrefix(base, "good") && len(wants) > 0:
		t.Fatalf("%s: a good fixture must expect no finding", archive)
	}
	var cfg *lint.Config
	if cfgPath != "" {
		if cfg, err = lint.LoadConfig(cfgPath); err != nil {
			t.Fatalf("%s: %v", archive, err)
		}
	}
	svc, err := load.Load(inputs, load.Options{})
	if err != nil {
		t.Fatalf("%s: load: %v", archive, err)
	}
	res := lint.Run(svc, []*lint.Rule{rule}, cfg, lint.RunOptions{Now: Now})
	var got []lint.Finding
	for _, f := range res.Findings {
		if f.Rule != rule.ID {
			continue
		}
		f.Pos.File = rel(root, f.Pos.File)
		got = append(got, f)
	}
	for _, msg := range Compare(got, wants) {
		t.Errorf("%s: %s", archive, msg)
	}
}

// rel returns file relative to root with forward slashes, or file.
func rel(root, file string) string {
	if r, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return file
}

// Compare matches findings against expectations one to one and describes
// each unexpected finding and each missing one.
func Compare(got []lint.Finding, wants []Expectation) []string {
	used := make([]bool, len(wants))
	var msgs []string
	for _, f := range got {
		i := -1
		for j, w := range wants {
			if !used[j] && w.matches(f) {
				i = j
				break
			}
		}
		if i < 0 {
			msgs = append(msgs, fmt.Sprintf("unexpected finding %s %s: %s", f.Pos, f.Rule, f.Message))
			continue
		}
		used[i] = true
	}
	for j, w := range wants {
		if !used[j] {
			msgs = append(msgs, fmt.Sprintf("missing finding %s (%s)", w, w.Src))
		}
	}
	return msgs
}

func (e Expectation) matches(f lint.Finding) bool {
	return e.Rule == f.Rule && e.File == f.Pos.File && e.Line == f.Pos.Line &&
		(e.Col == 0 || e.Col == f.Pos.Col) && e.Re.MatchString(f.Message)
}

var wantLineRe = regexp.MustCompile(`^(\S+?):(\d+)(?::(\d+))?\s+(APIM\d{3})\s+(.*)$`)

// ParseWant parses a "want" section: one "file:line[:col] ID regexp" per
// line; blank lines and lines starting with # are skipped.
func ParseWant(src string, data []byte) ([]Expectation, error) {
	var out []Expectation
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := wantLineRe.FindStringSubmatch(line)
		where := fmt.Sprintf("%s: want line %d", src, i+1)
		if m == nil {
			return nil, fmt.Errorf("%s: %q is not \"file:line:col APIMnnn regexp\"", where, line)
		}
		e := Expectation{File: m[1], Rule: m[4], Src: where}
		e.Line, _ = strconv.Atoi(m[2])
		if m[3] != "" {
			e.Col, _ = strconv.Atoi(m[3])
		}
		re, err := regexp.Compile(m[5])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		e.Re = re
		out = append(out, e)
	}
	return out, nil
}

var xmlWantRe = regexp.MustCompile(`"(APIM\d{3}):\s*((?:[^"\\]|\\.)*)"`)

// ParseXMLWants finds `<!-- want "APIMnnn: regexp" ... -->` comments in a
// policy XML file; each expects a finding on the line of the next element
// start tag (any column).
func ParseXMLWants(file string, data []byte) ([]Expectation, error) {
	x := string(data)
	var out []Expectation
	for off := 0; ; {
		i := strings.Index(x[off:], "<!--")
		if i < 0 {
			return out, nil
		}
		start := off + i
		j := strings.Index(x[start:], "-->")
		if j < 0 {
			return nil, fmt.Errorf("%s:%d: unterminated comment", file, lineAt(x, start))
		}
		end := start + j + 3
		off = end
		body := strings.TrimSpace(x[start+4 : end-3])
		if !strings.HasPrefix(body, "want ") && !strings.HasPrefix(body, "want\t") {
			continue
		}
		el := nextTag(x, end)
		if el < 0 {
			return nil, fmt.Errorf("%s:%d: want comment is not followed by an element", file, lineAt(x, start))
		}
		ms := xmlWantRe.FindAllStringSubmatch(body, -1)
		if len(ms) == 0 {
			return nil, fmt.Errorf("%s:%d: want comment has no \"APIMnnn: regexp\"", file, lineAt(x, start))
		}
		for _, m := range ms {
			pat, err := strconv.Unquote(`"` + m[2] + `"`)
			if err != nil {
				pat = m[2]
			}
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", file, lineAt(x, start), err)
			}
			out = append(out, Expectation{File: file, Line: lineAt(x, el), Rule: m[1], Re: re,
				Src: fmt.Sprintf("%s:%d", file, lineAt(x, start))})
		}
	}
}

// nextTag returns the offset of the next element start tag at or after
// off, skipping comments, or -1.
func nextTag(x string, off int) int {
	for i := off; i < len(x)-1; i++ {
		if x[i] != '<' {
			continue
		}
		if strings.HasPrefix(x[i:], "<!--") {
			k := strings.Index(x[i:], "-->")
			if k < 0 {
				return -1
			}
			i += k + 2
			continue
		}
		if c := x[i+1]; c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return i
		}
	}
	return -1
}

func lineAt(x string, off int) int { return strings.Count(x[:off], "\n") + 1 }
