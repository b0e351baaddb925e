package lint

// The engine's own rules. Their findings come from Run, not from a Check:
// a rule that panicked, a suppression past its expiry date, an inline
// suppression comment that cannot be honoured. They are listed in
// rules.All like every other rule so that they are documented, can be
// given another severity, and appear in SARIF's rule table.

// InternalError reports a rule that panicked. Run recovers, reports, and
// carries on with the other rules; the panicking rule's findings for this
// run are incomplete.
var InternalError = &Rule{
	ID:       "APIM900",
	Name:     "internal-error",
	Severity: Error,
	Doc: Doc{
		Title: "A lint rule crashed; its findings are incomplete",
		Why: "apimlab never stops on a faulty rule: the crash is recovered, reported here with the " +
			"rule's ID and the panic value, and the other rules still run. Until it is fixed the " +
			"configuration has not been fully checked by that rule.",
		Fix: "Report the finding (with the input that triggers it) as an apimlab bug; meanwhile " +
			"disable the crashing rule in .apimlab.yaml if it blocks CI.",
		Bad:   "# any input on which a rule panics\n",
		Good:  "# the same input once the rule is fixed\n",
		Since: "0.1.0",
	},
}

// SuppressionExpired reports a suppression in .apimlab.yaml whose expiry
// date has passed. The suppression no longer applies.
var SuppressionExpired = &Rule{
	ID:       "APIM904",
	Name:     "suppression-expired",
	Severity: Warning,
	Doc: Doc{
		Title: "A suppression in .apimlab.yaml has expired and no longer applies",
		Why: "Suppressions with an expiry date are promises to fix something by then. Once the date " +
			"passes the suppression stops hiding findings, and this finding says so, so that the " +
			"findings it hid are not a surprise.",
		Fix: "Fix the suppressed findings and delete the suppression, or extend `expires` with a new reason.",
		Bad: "suppressions:\n  - rule: APIM002\n    resource: legacy-billing\n" +
			"    reason: migrating to HTTPS in Q1\n    expires: 2020-03-31\n",
		Good: "suppressions:\n  - rule: APIM002\n    resource: legacy-billing\n" +
			"    reason: migrating to HTTPS in Q3, ticket OPS-1234\n    expires: 2099-09-30\n",
		Since: "0.1.0",
	},
}

// SuppressionInvalid reports an inline `<!-- apimlab-ignore ... -->`
// comment that suppresses nothing because it is malformed: no reason, or
// no valid rule ID.
var SuppressionInvalid = &Rule{
	ID:       "APIM905",
	Name:     "suppression-invalid",
	Severity: Warning,
	Doc: Doc{
		Title: "An inline apimlab-ignore comment is malformed and suppresses nothing",
		Why: "Every suppression must say why (the reason shows up in SARIF and JSON for reviewers). " +
			"A comment without a reason, or without an APIMnnn rule ID, is ignored rather than " +
			"silently hiding findings.",
		Fix: "Write the comment as `<!-- apimlab-ignore APIMnnn: reason -->` (several IDs may be " +
			"separated by commas) immediately before the element it applies to.",
		Bad: "<!-- apimlab-ignore APIM402 -->\n" +
			"<set-backend-service base-url=\"https://legacy.example.com\" />\n",
		Good: "<!-- apimlab-ignore APIM402: legacy host has no backend entity until the 2025 cut-over -->\n" +
			"<set-backend-service base-url=\"https://legacy.example.com\" />\n",
		Since: "0.1.0",
	},
}
