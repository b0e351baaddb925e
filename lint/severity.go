package lint

import "fmt"

// Never is a --fail-on threshold above every severity: a Result never
// exceeds it, so `apimlab lint --fail-on never` always exits 0 on findings.
// It is not a valid finding severity.
const Never = Error + 1

// ParseFailOn parses a --fail-on value: "error", "warning", "info" or
// "never".
func ParseFailOn(s string) (Severity, error) {
	if s == "never" {
		return Never, nil
	}
	sev, err := ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("unknown --fail-on value %q (want error, warning, info or never)", s)
	}
	return sev, nil
}

// SARIFLevel is the SARIF result level of a severity: "error", "warning"
// or "note".
func (s Severity) SARIFLevel() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}
