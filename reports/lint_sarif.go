package reports

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/internal/textfile"
	"github.com/apimlab/apimlab/lint"
)

// DocsURL is the rule reference that SARIF helpUri and markdown links
// point into (anchors are lint.Anchor(ID)).
const DocsURL = "https://github.com/apimlab/apimlab/blob/main/" + lint.DocsPath

// SARIF prints a SARIF 2.1.0 log with one run: tool.driver.rules holds the
// rules that ran, from the catalogue (with help and helpUri into
// docs/rules.md); results hold every finding, suppressed ones with a
// `suppressions` entry (kind "inSource" for apimlab-ignore comments,
// "external" for .apimlab.yaml) and their justification, and the service
// each result is about in its properties ({"service": "apim-a"}).
type SARIF struct {
	// Version is apimlab's version.
	Version string
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool sarifTool `json:"tool"`
	// ColumnKind says how startColumn counts: SARIF's default, UTF-16
	// code units (what GitHub code scanning reads), stated explicitly.
	ColumnKind  string            `json:"columnKind"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

// sarifInvocation says the run completed; code scanning shows a failed
// tool run differently from a clean one.
type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name"`
	ShortDescription     sarifText        `json:"shortDescription"`
	FullDescription      sarifText        `json:"fullDescription"`
	Help                 sarifText        `json:"help"`
	HelpURI              string           `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig  `json:"defaultConfiguration"`
	Properties           *sarifProperties `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifProperties struct {
	Tags []string `json:"tags,omitempty"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex *int            `json:"ruleIndex,omitempty"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
	// PartialFingerprints identify a finding across runs even when lines
	// move, so code scanning keeps one alert per problem.
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	// Properties name the service the result is about.
	Properties *sarifResultProperties `json:"properties,omitempty"`
}

type sarifResultProperties struct {
	Service string `json:"service,omitempty"`
	// Simulated is lint --simulate's evidence for breaker findings.
	Simulated *lint.Simulated `json:"simulated,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	State         string `json:"state"`
	Justification string `json:"justification"`
}

// Print implements Printer.
func (s *SARIF) Print(w io.Writer, r *lint.Result) error {
	index := map[string]int{}
	rules := make([]sarifRule, 0, len(r.Rules))
	for i, rule := range r.Rules {
		index[rule.ID] = i
		rules = append(rules, sarifRuleOf(rule))
	}
	cols := utf16Columns(r.Findings, r.Suppressed)
	results := make([]sarifResult, 0, len(r.Findings)+len(r.Suppressed))
	for _, f := range r.Findings {
		results = append(results, sarifResultOf(f, index, cols))
	}
	for _, f := range r.Suppressed {
		res := sarifResultOf(f, index, cols)
		if sp := f.Suppression; sp != nil {
			kind := "external"
			if sp.Kind == "inline" {
				kind = "inSource"
			}
			res.Suppressions = []sarifSuppression{{Kind: kind, State: "accepted", Justification: sp.Justification}}
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: "apimlab", Version: s.Version,
				InformationURI: "https://github.com/apimlab/apimlab",
				Rules:          rules,
			}},
			ColumnKind:  "utf16CodeUnits",
			Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
			Results:     results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifRuleOf(r *lint.Rule) sarifRule {
	help := strings.TrimSpace(r.Doc.Fix)
	return sarifRule{
		ID:                   r.ID,
		Name:                 r.Name,
		ShortDescription:     sarifText{Text: r.Doc.Title},
		FullDescription:      sarifText{Text: strings.TrimSpace(r.Doc.Why)},
		Help:                 sarifText{Text: help, Markdown: help + "\n\n[" + r.ID + " in the rule reference](" + helpURI(r.ID) + ")"},
		HelpURI:              helpURI(r.ID),
		DefaultConfiguration: sarifRuleConfig{Level: r.Severity.SARIFLevel()},
		Properties:           &sarifProperties{Tags: []string{category(r.ID)}},
	}
}

func helpURI(id string) string { return DocsURL + "#" + lint.Anchor(id) }

// category names a rule's ID group.
func category(id string) string {
	if len(id) < 5 {
		return "apimlab"
	}
	switch id[4] {
	case '0':
		return "transport"
	case '1':
		return "pools"
	case '2':
		return "circuit-breakers"
	case '3':
		return "certificates"
	case '4':
		return "policies"
	case '5':
		return "secrets"
	case '9':
		return "input"
	}
	return "apimlab"
}

func sarifResultOf(f lint.Finding, index map[string]int, cols lineTexts) sarifResult {
	res := sarifResult{RuleID: f.Rule, Level: f.Severity.SARIFLevel(), Message: sarifText{Text: f.Message},
		PartialFingerprints: map[string]string{"apimlabFinding/v1": fingerprint(f)}}
	if i, ok := index[f.Rule]; ok {
		res.RuleIndex = &i
	}
	if f.Service != "" || f.Simulated != nil {
		res.Properties = &sarifResultProperties{Service: f.Service, Simulated: f.Simulated}
	}
	var loc sarifLocation
	if f.Pos.File != "" {
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(f.Pos.File)}}
		if f.Pos.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Pos.Line, StartColumn: cols.utf16Column(f.Pos)}
		}
	}
	if f.Subject.Name != "" {
		loc.LogicalLocations = []sarifLogical{{Name: f.Subject.Name, FullyQualifiedName: f.Subject.Kind + "/" + f.Subject.Name, Kind: f.Subject.Kind}}
	}
	if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
		res.Locations = []sarifLocation{loc}
	}
	return res
}

// fileURI turns a file path into a SARIF artifact URI: relative paths stay
// relative (forward slashes, percent-encoded), absolute ones become file://.
func fileURI(p string) string {
	slashed := filepath.ToSlash(p)
	if filepath.IsAbs(p) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // C:/x -> /C:/x
		}
		return (&url.URL{Scheme: "file", Path: slashed}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(slashed, "./")}).String()
}

// fingerprint is a stable hash of what a finding is about (rule, file,
// resource, message) but not where it is, so it survives edits above it.
func fingerprint(f lint.Finding) string {
	h := sha256.Sum256([]byte(f.Rule + "\x00" + f.Pos.File + "\x00" + f.Subject.Kind + "/" + f.Subject.Name + "\x00" + f.Message))
	return hex.EncodeToString(h[:16])
}

// lineTexts holds the text of the lines findings point into, by file and
// line number, up to each line's last column named.
type lineTexts map[string]map[int]string

// utf16Columns reads, once per file, the lines findings point into past
// their first byte: apimlab's columns count bytes, SARIF's count UTF-16
// code units, and the two differ on a line with non-ASCII text before the
// column. Files it cannot read are left out (their columns stay byte
// columns, the same for ASCII text).
func utf16Columns(lists ...[]lint.Finding) lineTexts {
	want := map[string]map[int]int{} // file → line → the largest column
	for _, fs := range lists {
		for _, f := range fs {
			p := f.Pos
			if p.File == "" || p.Line <= 0 || p.Col <= 1 {
				continue
			}
			if want[p.File] == nil {
				want[p.File] = map[int]int{}
			}
			want[p.File][p.Line] = max(want[p.File][p.Line], p.Col)
		}
	}
	out := lineTexts{}
	for file, lines := range want {
		fh, err := os.Open(file)
		if err != nil {
			continue
		}
		text, err := textfile.NewReader(fh)
		if err != nil {
			fh.Close()
			continue
		}
		last := 0
		for l := range lines {
			last = max(last, l)
		}
		got := map[int]string{}
		br := bufio.NewReader(text)
		for n := 1; n <= last; n++ {
			if col, ok := lines[n]; ok {
				line, err := br.ReadBytes('\n')
				got[n] = string(line[:min(len(line), col-1)])
				if err != nil {
					break
				}
				continue
			}
			var err error
			for {
				if _, err = br.ReadSlice('\n'); err != bufio.ErrBufferFull {
					break
				}
			}
			if err != nil {
				break
			}
		}
		fh.Close()
		out[file] = got
	}
	return out
}

// utf16Column is p's column in UTF-16 code units (1-based), counted on
// the line's text; p.Col when the text is unknown.
func (t lineTexts) utf16Column(p apim.Position) int {
	line, ok := t[p.File][p.Line]
	if !ok || p.Col <= 1 {
		return p.Col
	}
	prefix := line[:min(len(line), p.Col-1)]
	n := 0
	for _, r := range prefix {
		n += utf16.RuneLen(r) // an invalid byte is U+FFFD: one unit
	}
	// Bytes past the line's end (a column beyond it) count one each.
	return 1 + n + (p.Col - 1 - len(prefix))
}
