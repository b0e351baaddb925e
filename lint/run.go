package lint

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// RunOptions are per-invocation settings of Run that do not belong in the
// configuration file.
type RunOptions struct {
	// Now is the time used for suppression expiry. The zero value means
	// time.Now() at the start of Run.
	Now time.Time
	// Enable lists rule IDs to run even when the configuration disables
	// them (--enable).
	Enable []string
	// Disable lists rule IDs not to run (--disable); it wins over Enable.
	Disable []string
	// Inline returns the inline suppressions of the service (from policy
	// XML comments). If nil, ScanInline is used.
	Inline func(*apim.Service) []InlineSuppression
	// RuleTime, when set, is called once for every rule whose check ran,
	// with the wall time the check took (lint --timings). It is called
	// from the goroutines that run the rules, concurrently. An analysis
	// rules share (the parsed policy documents) is made once, by the first
	// rule that needs it, and counts for that rule.
	RuleTime func(r *Rule, d time.Duration)
}

// Result is the outcome of Run.
type Result struct {
	// Findings are the unsuppressed findings, sorted by file, line,
	// column and rule, without duplicates.
	Findings []Finding
	// Suppressed are the findings a suppression matched, in the same
	// order; each has Suppressed set and Suppression filled in.
	Suppressed []Finding
	// Stats counts the findings.
	Stats Stats
	// Rules are the rules that ran (plus any engine rule that reported),
	// sorted by ID. Printers use them for SARIF's rule table and JUnit.
	Rules []*Rule
	// Files are the input files (the service's Sources).
	Files []string
	// Config is the effective configuration (never nil).
	Config *Config
	// Services are the labels of the services linted, in order (one for
	// Run, several for Merge); empty when the inputs name none.
	Services []string
	// Redactor masks the service's secret values; printers pass every
	// source line they show through it. Never nil after Run.
	Redactor *Redactor
}

// Stats counts a Result's findings.
type Stats struct {
	Errors, Warnings, Infos int
	// Suppressed counts suppressed findings (not in the three above).
	Suppressed int
	// Files is the number of input files.
	Files int
	// Rules is the number of rules that ran.
	Rules int
}

// Exceeds reports whether an unsuppressed finding is at or above failOn.
// failOn == Never is never exceeded.
func (r *Result) Exceeds(failOn Severity) bool {
	if failOn > Error {
		return false
	}
	for _, f := range r.Findings {
		if f.Severity >= failOn {
			return true
		}
	}
	return false
}

// Rule returns the rule of the result with the given ID, or nil.
func (r *Result) Rule(id string) *Rule {
	for _, rule := range r.Rules {
		if rule.ID == id {
			return rule
		}
	}
	return nil
}

// Run checks svc with the enabled rules and returns the sorted,
// deduplicated findings after severity overrides and suppressions. It never
// panics because of a rule: a panicking rule becomes an InternalError
// finding. A nil cfg is the zero Config.
//
// svc is one service (load.LoadServices); Merge joins the results of
// several. Every finding is labelled with svc.Label(); findings on load
// issues of some kinds take the kind's severity (an evaluation that fails
// only with default parameters is a warning, an unknown APIOps file is
// information); a dangling reference (Finding.Refers) to a kind of entity
// the service's inputs do not hold in full becomes Info "not verifiable
// from these files" (the partial-inputs rule, docs/semantics.md); findings
// in files the service labels (a REST example's request) say so; and the
// service's secret values are masked in messages and fix hints.
func Run(svc *apim.Service, rules []*Rule, cfg *Config, opts RunOptions) *Result {
	if cfg == nil {
		cfg = &Config{}
	}
	if svc == nil {
		svc = &apim.Service{}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	ran := selectRules(rules, cfg, opts)
	var all []Finding
	var mu sync.Mutex
	collect := func(f Finding) {
		mu.Lock()
		all = append(all, f)
		mu.Unlock()
	}
	// Rules are independent readers of the service: run them on every
	// core. Findings are sorted afterwards, so the order of completion
	// does not show in the result.
	memo := &memo{}
	work := make(chan *Rule)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(ran))) {
		wg.Go(func() {
			for r := range work {
				start := time.Now()
				if f, ok := runRule(r, svc, cfg, now, memo, collect); !ok {
					collect(f)
				}
				if opts.RuleTime != nil {
					opts.RuleTime(r, time.Since(start))
				}
			}
		})
	}
	for _, r := range ran {
		if r.Check != nil {
			work <- r
		}
	}
	close(work)
	wg.Wait()
	enabled := func(r *Rule) bool { return slices.Contains(ran, r) }
	if enabled(SuppressionExpired) {
		all = append(all, expiredSuppressions(cfg, now)...)
	}
	inlineFn := opts.Inline
	if inlineFn == nil {
		inlineFn = ScanInline
	}
	inline, bad := validInline(inlineFn(svc))
	if enabled(SuppressionInvalid) {
		all = append(all, bad...)
	}

	byID := map[string]*Rule{}
	for _, r := range ran {
		byID[r.ID] = r
	}
	levels := issueLevels(svc)
	secrets, failed := ruleSecrets(rules, svc, cfg, now, memo)
	all = append(all, failed...)
	redact := NewRedactor(svc).with(secrets...)
	label := svc.Label()
	for i := range all {
		f := &all[i]
		f.Service = label
		if r := byID[f.Rule]; r != nil && r.Problems != 0 {
			if sev, ok := levels[issueKey{r.Problems, f.Pos.File, f.Pos.Line, f.Pos.Col}]; ok {
				f.Severity = sev
			}
		}
		if rc, ok := cfg.Rules[f.Rule]; ok && rc.Severity != nil {
			f.Severity = *rc.Severity
		}
		applyCoverage(f, svc)
		exampleNote(f, svc)
		f.Message, f.Fix = redact.values(f.Message), redact.values(f.Fix)
		if f.Fix == "" {
			if r := byID[f.Rule]; r != nil {
				f.Fix = firstSentence(r.Doc.Fix)
			}
		}
	}
	all = sortDedup(all)

	res := &Result{Config: cfg, Files: slices.Clone(svc.Sources), Redactor: redact}
	if label != "" {
		res.Services = []string{label}
	}
	for _, f := range all {
		if info := suppress(f, inline, cfg, now); info != nil {
			f.Suppressed, f.Suppression = true, info
			res.Suppressed = append(res.Suppressed, f)
			continue
		}
		res.Findings = append(res.Findings, f)
		switch f.Severity {
		case Error:
			res.Stats.Errors++
		case Warning:
			res.Stats.Warnings++
		default:
			res.Stats.Infos++
		}
	}
	res.Rules = ran
	if !enabled(InternalError) && slices.ContainsFunc(all, func(f Finding) bool { return f.Rule == InternalError.ID }) {
		res.Rules = append(res.Rules, InternalError)
	}
	slices.SortFunc(res.Rules, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	res.Stats.Suppressed = len(res.Suppressed)
	res.Stats.Files = len(res.Files)
	res.Stats.Rules = len(ran)
	return res
}

// selectRules returns the rules to run: not disabled by the configuration
// (unless in opts.Enable) and not in opts.Disable. Duplicates are dropped.
func selectRules(rules []*Rule, cfg *Config, opts RunOptions) []*Rule {
	var out []*Rule
	for _, r := range rules {
		if r == nil || slices.Contains(out, r) {
			continue
		}
		if containsFold(opts.Disable, r.ID) || containsFold(opts.Disable, r.Name) {
			continue
		}
		if cfg.Rules[r.ID].Disabled && !containsFold(opts.Enable, r.ID) && !containsFold(opts.Enable, r.Name) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// runRule runs one rule's Check. When the check panics, the findings it
// reported before the panic are kept and ok is false with an InternalError
// finding describing the panic.
func runRule(r *Rule, svc *apim.Service, cfg *Config, now time.Time, memo *memo, report func(Finding)) (f Finding, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			where := panicSite(debug.Stack())
			f = Finding{
				Rule:     InternalError.ID,
				Name:     InternalError.Name,
				Severity: InternalError.Severity,
				Pos:      apim.Position{File: firstSource(svc)},
				Subject:  Subject{Kind: "rule", Name: r.ID},
				Message:  fmt.Sprintf("rule %s (%s) panicked: %v%s; its findings are incomplete", r.ID, r.Name, v, where),
			}
			ok = false
		}
	}()
	pass := NewPass(r, svc, cfg, now, report)
	pass.memo = memo
	r.Check(pass)
	return Finding{}, true
}

// ruleSecrets returns the values the rules' Secrets hooks recognise as
// secrets, for every rule given (enabled or not: a disabled APIM501 must
// not let another rule's finding quote a literal credential), and an
// internal-error finding for a hook that panicked.
func ruleSecrets(rules []*Rule, svc *apim.Service, cfg *Config, now time.Time, memo *memo) (secrets []string, failed []Finding) {
	for _, r := range rules {
		if r.Secrets == nil {
			continue
		}
		f, ok := runRule(&Rule{ID: r.ID, Name: r.Name, Check: func(p *Pass) {
			p.Rule = r
			secrets = append(secrets, r.Secrets(p)...)
		}}, svc, cfg, now, memo, func(Finding) {})
		if !ok {
			failed = append(failed, f)
		}
	}
	return secrets, failed
}

// panicSite extracts the first frame below runtime.gopanic from a stack
// trace, as " at file.go:NN", or "".
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "panic(") || i+3 >= len(lines) {
			continue
		}
		loc := strings.TrimSpace(lines[i+3])
		if j := strings.LastIndex(loc, " +0x"); j >= 0 {
			loc = loc[:j]
		}
		if j := strings.LastIndex(loc, "/"); j >= 0 {
			loc = loc[j+1:]
		}
		return " at " + loc
	}
	return ""
}

func firstSource(svc *apim.Service) string {
	if len(svc.Sources) > 0 {
		return svc.Sources[0]
	}
	return ""
}

// sortDedup sorts findings by file, line, column, rule and message, and
// drops exact repeats (same rule, position, subject and message).
func sortDedup(fs []Finding) []Finding {
	slices.SortStableFunc(fs, compareFindings)
	return slices.CompactFunc(fs, func(a, b Finding) bool {
		return a.Rule == b.Rule && a.Pos.File == b.Pos.File && a.Pos.Line == b.Pos.Line &&
			a.Pos.Col == b.Pos.Col && a.Message == b.Message && a.Subject == b.Subject && a.Service == b.Service
	})
}

func compareFindings(a, b Finding) int {
	if c := strings.Compare(a.Pos.File, b.Pos.File); c != 0 {
		return c
	}
	if a.Pos.Line != b.Pos.Line {
		return a.Pos.Line - b.Pos.Line
	}
	if a.Pos.Col != b.Pos.Col {
		return a.Pos.Col - b.Pos.Col
	}
	if c := strings.Compare(a.Rule, b.Rule); c != 0 {
		return c
	}
	if c := strings.Compare(a.Message, b.Message); c != 0 {
		return c
	}
	if c := strings.Compare(a.Subject.String(), b.Subject.String()); c != 0 {
		return c
	}
	return strings.Compare(a.Service, b.Service)
}

// firstSentence returns s up to and including its first ". " (or all of
// s), for a one-line fix hint.
func firstSentence(s string) string {
	from := 0
	for {
		i := strings.Index(s[from:], ". ")
		if i < 0 {
			return s
		}
		end := from + i + 1
		// "e.g. " and "i.e. " do not end a sentence.
		if w := strings.ToLower(s[max(0, end-4):end]); w == "e.g." || w == "i.e." {
			from = end
			continue
		}
		return s[:end]
	}
}
