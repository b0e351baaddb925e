package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// A baseline is a previous lint report (JSON or SARIF) whose unsuppressed
// findings are accepted as known, so that a team can adopt apimlab on an
// existing repository and fail only on what a change introduces (Checkov's
// --baseline, PSRule's baseline). Findings are matched by rule, file and
// the SARIF partial fingerprint "apimlabFinding/v1" (rule, file, resource
// and message, not the position), so moving a finding to another line
// keeps it known. Matching counts occurrences: a baseline holding one
// finding accepts one current finding with that key, not two.
//
// The fingerprint is computed by the same function the SARIF printer uses,
// so a SARIF baseline and a JSON baseline of the same run are equivalent.

// ErrBaseline is wrapped by every error of ReadBaseline.
var ErrBaseline = errors.New("baseline")

// sarifFingerprintKey names apimlab's entry in SARIF partialFingerprints.
const sarifFingerprintKey = "apimlabFinding/v1"

// Baseline is a multiset of known findings. The zero value is an empty
// baseline that knows nothing.
type Baseline struct {
	known map[baselineKey]int
	size  int
}

type baselineKey struct {
	rule, file, fingerprint string
}

// Len returns the number of findings in the baseline.
func (b *Baseline) Len() int { return b.size }

func (b *Baseline) add(k baselineKey) {
	if b.known == nil {
		b.known = map[baselineKey]int{}
	}
	b.known[k]++
	b.size++
}

func keyOf(f lint.Finding) baselineKey {
	return baselineKey{rule: f.Rule, file: baselinePath(f.Pos.File), fingerprint: fingerprint(f)}
}

// baselinePath normalises a finding's file for comparison: forward
// slashes, no leading "./".
func baselinePath(p string) string {
	return strings.TrimPrefix(filepath.ToSlash(p), "./")
}

// LoadBaseline reads the baseline file at path (see ReadBaseline).
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBaseline, err)
	}
	b, err := ReadBaseline(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// ReadBaseline reads an apimlab lint report in the json format (schema
// version 1) or in SARIF 2.1.0, telling them apart by their top-level
// keys. Only unsuppressed findings enter the baseline. Anything else (not
// JSON, another tool's SARIF, a SARIF result without apimlab's
// fingerprint, a JSON report of another version) is an error wrapping
// ErrBaseline.
func ReadBaseline(r io.Reader) (*Baseline, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBaseline, err)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: not a JSON or SARIF lint report: %v", ErrBaseline, err)
	}
	switch {
	case probe["runs"] != nil:
		return readSARIFBaseline(data)
	case probe["findings"] != nil:
		return readJSONBaseline(data)
	}
	return nil, fmt.Errorf("%w: neither an apimlab json report (no \"findings\") nor SARIF (no \"runs\")", ErrBaseline)
}

func readJSONBaseline(data []byte) (*Baseline, error) {
	var rep jsonReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%w: json report: %v", ErrBaseline, err)
	}
	if rep.Tool.Name != "apimlab" {
		return nil, fmt.Errorf("%w: json report of tool %q, want apimlab", ErrBaseline, rep.Tool.Name)
	}
	if rep.Version != JSONVersion {
		return nil, fmt.Errorf("%w: json report version %d, want %d", ErrBaseline, rep.Version, JSONVersion)
	}
	b := &Baseline{}
	for i, jf := range rep.Findings {
		if jf.Rule == "" {
			return nil, fmt.Errorf("%w: findings[%d] has no rule", ErrBaseline, i)
		}
		f := lint.Finding{Rule: jf.Rule, Message: jf.Message, Pos: apim.Position{File: jf.File}}
		if jf.Resource != nil {
			f.Subject = lint.Subject{Kind: jf.Resource.Kind, Name: jf.Resource.Name}
		}
		b.add(keyOf(f))
	}
	return b, nil
}

func readSARIFBaseline(data []byte) (*Baseline, error) {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("%w: SARIF: %v", ErrBaseline, err)
	}
	b := &Baseline{}
	for ri, run := range log.Runs {
		if run.Tool.Driver.Name != "apimlab" {
			return nil, fmt.Errorf("%w: SARIF run %d is from tool %q, want apimlab", ErrBaseline, ri, run.Tool.Driver.Name)
		}
		for i, res := range run.Results {
			if len(res.Suppressions) > 0 {
				continue
			}
			fp := res.PartialFingerprints[sarifFingerprintKey]
			if res.RuleID == "" || fp == "" {
				return nil, fmt.Errorf("%w: SARIF run %d result %d lacks ruleId or partialFingerprints[%q]", ErrBaseline, ri, i, sarifFingerprintKey)
			}
			file, err := sarifResultFile(res)
			if err != nil {
				return nil, fmt.Errorf("%w: SARIF run %d result %d: %v", ErrBaseline, ri, i, err)
			}
			b.add(baselineKey{rule: res.RuleID, file: file, fingerprint: fp})
		}
	}
	return b, nil
}

// sarifResultFile turns a result's artifact URI back into the path the
// finding carried (the inverse of fileURI).
func sarifResultFile(res sarifResult) (string, error) {
	if len(res.Locations) == 0 || res.Locations[0].PhysicalLocation == nil {
		return "", nil
	}
	u, err := url.Parse(res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	if err != nil {
		return "", err
	}
	p := u.Path
	if u.Scheme == "file" && len(p) > 2 && p[0] == '/' && p[2] == ':' {
		p = p[1:] // /C:/x -> C:/x
	}
	return baselinePath(p), nil
}

// Filter returns a copy of r without the findings the baseline knows
// (each baseline entry absorbs at most one finding), with Stats counted
// again, and the number of findings it removed. Suppressed findings are
// kept as they are. r is not modified.
func (b *Baseline) Filter(r *lint.Result) (*lint.Result, int) {
	left := map[baselineKey]int{}
	for k, n := range b.known {
		left[k] = n
	}
	out := *r
	out.Findings = make([]lint.Finding, 0, len(r.Findings))
	out.Stats.Errors, out.Stats.Warnings, out.Stats.Infos = 0, 0, 0
	known := 0
	for _, f := range r.Findings {
		if k := keyOf(f); left[k] > 0 {
			left[k]--
			known++
			continue
		}
		out.Findings = append(out.Findings, f)
		switch f.Severity {
		case lint.Error:
			out.Stats.Errors++
		case lint.Warning:
			out.Stats.Warnings++
		default:
			out.Stats.Infos++
		}
	}
	return &out, known
}

// BaselineFormat returns the report format a baseline written to path
// uses: "sarif" for a .sarif file, "json" otherwise.
func BaselineFormat(path string) string {
	if strings.HasSuffix(strings.ToLower(path), ".sarif") {
		return "sarif"
	}
	return "json"
}

// WriteBaseline writes r to path as a baseline, in the format
// BaselineFormat names, through a temporary file renamed into place so
// that a failed write never leaves half a baseline.
func WriteBaseline(path string, r *lint.Result, version string) error {
	p, err := NewPrinter(BaselineFormat(path), Options{Version: version})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := p.Print(&buf, r); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baseline-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
