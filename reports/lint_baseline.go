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
// --baseline, PSRule's baseline). Findings are matched by rule, service,
// file and the SARIF partial fingerprint "apimlabFinding/v1" (rule, file,
// resource and message, not the position), so moving a finding to another line
// keeps it known. Matching counts occurrences: a baseline holding one
// finding accepts one current finding with that key, not two.
//
// Files are compared relative to a root folder (the working directory, in
// the CLI), so a baseline written by `apimlab lint infra` matches a run of
// `apimlab lint ./infra` or of `apimlab lint /abs/path/to/infra` from the
// same folder. The fingerprint is the SARIF printer's, computed over that
// relative path; for a SARIF baseline it is computed again from the
// result's rule, artifact, logical location and message, which is what
// makes an absolute file:// URI and a relative one agree.

// ErrBaseline is wrapped by every error of ReadBaseline and LoadBaseline.
var ErrBaseline = errors.New("baseline")

// sarifFingerprintKey names apimlab's entry in SARIF partialFingerprints.
const sarifFingerprintKey = "apimlabFinding/v1"

// Baseline is a multiset of known findings. The zero value is an empty
// baseline that knows nothing.
type Baseline struct {
	known map[baselineKey]int
	size  int
	root  string
}

type baselineKey struct {
	rule, service, file, fingerprint string
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

// keyOf returns the identity of f: its rule, its service, its file
// relative to root and the fingerprint over those (the finding's position
// is not part of it). A finding about a whole file names that file as its
// resource, so the resource name is made relative too.
func keyOf(f lint.Finding, root string) baselineKey {
	f.Pos = apim.Position{File: baselinePath(f.Pos.File, root)}
	if f.Subject.Kind == "file" {
		f.Subject.Name = baselinePath(f.Subject.Name, root)
	}
	return baselineKey{rule: f.Rule, service: f.Service, file: f.Pos.File, fingerprint: fingerprint(f)}
}

// baselinePath normalises a finding's file for comparison: relative to
// root when it lies under root, cleaned, with forward slashes.
func baselinePath(p, root string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) && root != "" {
		if rel, err := filepath.Rel(root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = rel
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

// LoadBaseline reads the baseline file at path (see ReadBaseline).
func LoadBaseline(path, root string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBaseline, err)
	}
	b, err := ReadBaseline(bytes.NewReader(data), root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// ReadBaseline reads an apimlab lint report in the json format (schema
// version 1) or in SARIF 2.1.0, telling them apart by their top-level
// keys; root is the folder files are made relative to (see the note at
// the top of this file). Only unsuppressed findings enter the baseline. Anything
// else (not JSON, another tool's SARIF, a SARIF result without apimlab's
// fingerprint, a JSON report of another version) is an error wrapping
// ErrBaseline.
func ReadBaseline(r io.Reader, root string) (*Baseline, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBaseline, err)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: not a JSON or SARIF lint report: %v", ErrBaseline, err)
	}
	b := &Baseline{root: root}
	switch {
	case probe["runs"] != nil:
		err = b.readSARIF(data)
	case probe["findings"] != nil:
		err = b.readJSON(data)
	default:
		err = errors.New(`neither an apimlab json report (no "findings") nor SARIF (no "runs")`)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBaseline, err)
	}
	return b, nil
}

func (b *Baseline) readJSON(data []byte) error {
	var rep jsonReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("json report: %v", err)
	}
	if rep.Tool.Name != "apimlab" {
		return fmt.Errorf("json report of tool %q, want apimlab", rep.Tool.Name)
	}
	if rep.Version != JSONVersion {
		return fmt.Errorf("json report version %d, want %d", rep.Version, JSONVersion)
	}
	for i, jf := range rep.Findings {
		if jf.Rule == "" {
			return fmt.Errorf("findings[%d] has no rule", i)
		}
		f := lint.Finding{Rule: jf.Rule, Message: jf.Message, Service: jf.Service, Pos: apim.Position{File: jf.File}}
		if jf.Resource != nil {
			f.Subject = lint.Subject{Kind: jf.Resource.Kind, Name: jf.Resource.Name}
		}
		b.add(keyOf(f, b.root))
	}
	return nil
}

func (b *Baseline) readSARIF(data []byte) error {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return fmt.Errorf("SARIF: %v", err)
	}
	for ri, run := range log.Runs {
		if run.Tool.Driver.Name != "apimlab" {
			return fmt.Errorf("SARIF run %d is from tool %q, want apimlab", ri, run.Tool.Driver.Name)
		}
		for i, res := range run.Results {
			if len(res.Suppressions) > 0 {
				continue
			}
			// The stored fingerprint marks the result as apimlab's; the key
			// is computed again over the path relative to root.
			if res.RuleID == "" || res.PartialFingerprints[sarifFingerprintKey] == "" {
				return fmt.Errorf("SARIF run %d result %d lacks ruleId or partialFingerprints[%q]", ri, i, sarifFingerprintKey)
			}
			f := lint.Finding{Rule: res.RuleID, Message: res.Message.Text}
			if res.Properties != nil {
				f.Service = res.Properties.Service
			}
			if len(res.Locations) > 0 {
				loc := res.Locations[0]
				if loc.PhysicalLocation != nil {
					file, err := sarifURIPath(loc.PhysicalLocation.ArtifactLocation.URI)
					if err != nil {
						return fmt.Errorf("SARIF run %d result %d: %v", ri, i, err)
					}
					f.Pos.File = file
				}
				if len(loc.LogicalLocations) > 0 {
					f.Subject = lint.Subject{Kind: loc.LogicalLocations[0].Kind, Name: loc.LogicalLocations[0].Name}
				}
			}
			b.add(keyOf(f, b.root))
		}
	}
	return nil
}

// sarifURIPath turns an artifact URI back into a file path (the inverse
// of fileURI).
func sarifURIPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	p := u.Path
	if u.Scheme == "file" && len(p) > 2 && p[0] == '/' && p[2] == ':' {
		p = p[1:] // /C:/x -> C:/x
	}
	return filepath.FromSlash(p), nil
}

// Filter returns a copy of r without the findings the baseline knows
// (each baseline entry absorbs at most one finding), with Stats counted
// again, and the number of findings it removed. Suppressed findings are
// kept as they are. r is not modified.
func (b *Baseline) Filter(r *lint.Result) (*lint.Result, int) {
	left := make(map[baselineKey]int, len(b.known))
	for k, n := range b.known {
		left[k] = n
	}
	out := *r
	out.Findings = make([]lint.Finding, 0, len(r.Findings))
	out.Stats.Errors, out.Stats.Warnings, out.Stats.Infos = 0, 0, 0
	known := 0
	for _, f := range r.Findings {
		if k := keyOf(f, b.root); left[k] > 0 {
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
