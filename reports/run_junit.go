package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/sim"
)

// RunJUnit prints a JUnit XML report of a run: one test suite named after
// the scenario, one test case per assertion (classname "sim.<kind>"), a
// failing one carrying a <failure> whose message is the observed value
// and whose text gives the expected bound too. The run settings are suite
// properties and the result's warnings its system-out, so a CI test tab
// shows how to reproduce the run.
type RunJUnit struct{}

type runJUnitSuites struct {
	XMLName  xml.Name        `xml:"testsuites"`
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Time     string          `xml:"time,attr"`
	Suites   []runJUnitSuite `xml:"testsuite"`
}

type runJUnitSuite struct {
	Name       string             `xml:"name,attr"`
	Tests      int                `xml:"tests,attr"`
	Failures   int                `xml:"failures,attr"`
	Time       string             `xml:"time,attr"`
	Properties []runJUnitProperty `xml:"properties>property"`
	Cases      []runJUnitCase     `xml:"testcase"`
	SystemOut  string             `xml:"system-out,omitempty"`
}

type runJUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type runJUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// Print implements RunPrinter.
func (RunJUnit) Print(w io.Writer, r *sim.Result) error {
	name := "simulation"
	if r.Scenario != nil && r.Scenario.Name != "" {
		name = r.Scenario.Name
	}
	secs := fmt.Sprintf("%.3f", r.Run.Wall.D().Seconds())
	suite := runJUnitSuite{Name: name, Time: secs}
	for _, kv := range runInfoPairs(r) {
		suite.Properties = append(suite.Properties, runJUnitProperty{Name: kv[0], Value: kv[1]})
	}
	for _, a := range r.Assertions {
		tc := runJUnitCase{Name: a.Name, Classname: "sim." + a.Kind,
			SystemOut: fmt.Sprintf("expected: %s\nobserved: %s", a.Expected, a.Observed)}
		if !a.Passed {
			tc.Failure = &junitFailure{Message: "observed " + a.Observed, Type: a.Kind,
				Text: fmt.Sprintf("%s\nexpected: %s\nobserved: %s", a.Name, a.Expected, a.Observed)}
			tc.SystemOut = ""
			suite.Failures++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, tc)
	}
	if len(r.Warnings) > 0 {
		suite.SystemOut = "warnings:\n" + strings.Join(r.Warnings, "\n")
	}
	out := runJUnitSuites{Name: "apimlab sim", Tests: suite.Tests, Failures: suite.Failures, Time: secs, Suites: []runJUnitSuite{suite}}
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
