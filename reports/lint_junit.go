package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/lint"
)

// JUnit prints a JUnit XML report: one test suite per service and input
// file (named "file" or, when the service is named, "service: file"), one
// test case per rule × file (named "APIM001 tls-validation-disabled"), failing
// with one <failure> per finding of that rule in that file. Suppressed
// findings do not fail; their test case is marked skipped with the
// justification when all its findings are suppressed.
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	Failures  []junitFailure `xml:"failure"`
	Skipped   *junitSkipped  `xml:"skipped"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// Print implements Printer.
func (JUnit) Print(w io.Writer, r *lint.Result) error {
	// Suites are keyed by service and file; input files without findings
	// get a suite of their own (under the only service when there is one).
	type suiteKey struct{ service, file string }
	defService := ""
	if len(r.Services) == 1 {
		defService = r.Services[0]
	}
	var files []suiteKey
	for _, f := range r.Files {
		files = append(files, suiteKey{defService, f})
	}
	byFile := map[suiteKey]map[string][]lint.Finding{}
	add := func(f lint.Finding) {
		k := suiteKey{f.Service, f.Pos.File}
		if byFile[k] == nil {
			byFile[k] = map[string][]lint.Finding{}
			if !slices.Contains(files, k) {
				files = append(files, k)
			}
		}
		byFile[k][f.Rule] = append(byFile[k][f.Rule], f)
	}
	for _, f := range r.Findings {
		add(f)
	}
	for _, f := range r.Suppressed {
		add(f)
	}
	slices.SortFunc(files, func(a, b suiteKey) int {
		if a.service != b.service {
			return strings.Compare(a.service, b.service)
		}
		return strings.Compare(a.file, b.file)
	})
	files = slices.Compact(files)
	out := junitSuites{Name: "apimlab lint"}
	for _, file := range files {
		name := file.file
		if name == "" {
			name = "(no file)"
		}
		if file.service != "" {
			name = file.service + ": " + name
		}
		suite := junitSuite{Name: name}
		for _, rule := range r.Rules {
			tc := junitCase{Name: rule.ID + " " + rule.Name, Classname: name}
			var justifications []string
			for _, f := range byFile[file][rule.ID] {
				if f.Suppressed {
					if f.Suppression != nil {
						justifications = append(justifications, f.Suppression.Justification)
					}
					continue
				}
				tc.Failures = append(tc.Failures, junitFailure{
					Message: f.Text(), Type: f.Severity.String(),
					Text: fmt.Sprintf("%s %s %s %s", f.Pos, f.Severity, f.Rule, f.Text()),
				})
			}
			if len(tc.Failures) == 0 && len(justifications) > 0 {
				tc.Skipped = &junitSkipped{Message: "suppressed: " + justifications[0]}
				suite.Skipped++
			}
			if len(tc.Failures) > 0 {
				suite.Failures++
			}
			suite.Tests++
			suite.Cases = append(suite.Cases, tc)
		}
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Skipped += suite.Skipped
		out.Suites = append(out.Suites, suite)
	}
	ew := errw.New(w)
	ew.Printf("%s", xml.Header)
	enc := xml.NewEncoder(ew)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	ew.Printf("\n")
	return ew.Err
}
