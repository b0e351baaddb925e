// Package lint is apimlab's rule engine: rules are values (see lint/rules),
// each Check reports through a Pass, and Run collects, sorts, deduplicates,
// applies configuration (severity overrides, thresholds, disabled rules) and
// suppressions, and returns a Result that the reports package renders.
package lint

import (
	"fmt"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// Severity of a finding. The zero value is Info.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	case Never:
		return "never"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity parses "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "info":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// Doc is a rule's documentation, rendered by `apimlab explain` and into
// docs/rules.md. Bad and Good are configuration snippets (JSON or policy XML).
type Doc struct {
	// Title is the one-line summary.
	Title string
	// Why explains why the misconfiguration matters in production.
	Why string
	// Fix says how to fix it.
	Fix string
	// Bad is an example that fires the rule.
	Bad string
	// Good is the fixed example that does not.
	Good string
	// Since is the apimlab version that introduced the rule.
	Since string
	// Options documents the rule's thresholds settable under
	// rules.<ID>.options in .apimlab.yaml; nil when it has none.
	Options []Option
}

// Option documents one rule option.
type Option struct {
	// Name is the key under rules.<ID>.options.
	Name string
	// Default is the value used when the option is not set, as text.
	Default string
	// Doc says what the option changes.
	Doc string
}

// Rule is one check. Rules are values declared in their own file in
// lint/rules and listed in rules.All.
type Rule struct {
	// ID is the stable identifier, "APIM" + three digits. Never reused.
	ID string
	// Name is the kebab-case name ("tls-validation-disabled").
	Name string
	// Severity is the default severity; .apimlab.yaml may override it.
	Severity Severity
	// Doc is the rule's documentation.
	Doc Doc
	// Check inspects pass.Service and reports findings through the pass.
	Check func(*Pass)
	// Sensitive marks rules whose findings point at values that may be
	// secrets (inline credentials, passwords). Printers never quote the
	// source line of their findings.
	Sensitive bool
	// Secrets, when set, returns the values the rule recognises as
	// secrets that the loader does not mark (a credential written as a
	// literal in a policy). Run masks them in every finding of every rule,
	// its messages and the source lines printers quote, whether or not
	// the rule itself is enabled.
	Secrets func(*Pass) []string
	// Requires lists the inputs (Input) the rule reads with Get.
	Requires []Requirement
	// Problems is the class of load problems (apim.Service.Issues) the
	// rule reports, or 0 when it reports none. Run gives a finding at the
	// position of such a problem the severity the problem's kind calls for
	// (an unknown file is information…), and rules.ProblemRule maps a
	// problem back to its rule.
	Problems apim.Code
}

// Subject names the resource a finding is about.
type Subject struct {
	// Kind is "backend", "policy", "certificate", "named-value", "api", "product", "fragment" or "file".
	Kind string
	// Name is the resource name ("orders-pool", "api/orders/operation/get").
	Name string
}

func (s Subject) String() string {
	if s.Kind == "" {
		return s.Name
	}
	return s.Kind + " " + s.Name
}

// Finding is one reported problem.
type Finding struct {
	Rule     string
	Name     string
	Severity Severity
	Message  string
	Pos      apim.Position
	Subject  Subject
	// Service names the service the finding is about (apim.Service.Label:
	// the service name, with the APIOps environment when one was applied);
	// "" when the inputs never name a service nor a folder.
	Service string
	// Refers, when set, marks a dangling reference: the finding reports
	// that no entity of this kind has the name referenced. When the
	// service's inputs do not hold every entity of the kind
	// (apim.Service.Coverage), Run turns it into Info "not verifiable
	// from these files".
	Refers apim.EntityKind
	// Fix is a one-line hint on how to fix this occurrence.
	Fix string
	// Sensitive is copied from the rule: the position may hold a secret,
	// so printers must not show the source line.
	Sensitive bool
	// Suppressed is set when a suppression matched; Suppression says which.
	Suppressed  bool
	Suppression *SuppressionInfo
	// Simulated is the model engine's evidence for a breaker finding
	// (lint --simulate); nil otherwise.
	Simulated *Simulated
}

// Text is the finding's message with its simulated evidence, as the
// people-facing formats print it. Message alone identifies the finding
// (fingerprints, baselines), so evidence never changes a finding's identity.
func (f Finding) Text() string {
	if f.Simulated == nil {
		return f.Message
	}
	return f.Message + " — " + f.Simulated.String()
}

// Simulated is what the model engine's breaker (the gateway's own breaker
// code on a virtual clock) did under baseline traffic: Poisson arrivals of
// RPS per second, each failing with FailureRate, for Duration.
type Simulated struct {
	TripsPerDay       float64       `json:"tripsPerDay"`
	OpenMinutesPerDay float64       `json:"openMinutesPerDay"`
	RPS               float64       `json:"rps"`
	FailureRate       float64       `json:"failureRate"`
	Duration          time.Duration `json:"-"`
}

// String renders the evidence: "simulated: 12 trips/day, open 3.1 min/day
// (50 rps, 1% failures, 24h0m0s simulated)".
func (s *Simulated) String() string {
	return fmt.Sprintf("simulated: %s trips/day, open %s min/day (%g rps, %g%% failures, %s simulated)",
		roundish(s.TripsPerDay), roundish(s.OpenMinutesPerDay), s.RPS, s.FailureRate*100, s.Duration)
}

// roundish renders a rate with the precision it deserves.
func roundish(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 10:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// SuppressionInfo records why a finding was suppressed.
type SuppressionInfo struct {
	// Kind is "config" (.apimlab.yaml) or "inline" (XML comment).
	Kind          string
	Justification string
	Pos           apim.Position
}
