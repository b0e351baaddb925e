package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/apimlab/apimlab/lint"
)

// JSONVersion is the version of the JSON lint report schema. It changes
// only when a field is removed or changes meaning; new fields may appear
// within a version.
const JSONVersion = 1

// JSON prints the result as one JSON document (schema version 1, described
// formally by reports/lint-json-v1.schema.json):
//
//	{
//	  "version": 1,
//	  "tool": {"name": "apimlab", "version": "1.2.3"},
//	  "summary": {"errors": 1, "warnings": 0, "infos": 0, "suppressed": 1, "files": 2, "rules": 40},
//	  "services": ["apim-a", ...],  // labels of the services linted (absent when none is named)
//	  "findings": [ FINDING... ],   // unsuppressed, sorted by file, line, column, rule
//	  "suppressed": [ FINDING... ]  // suppressed, each with "suppression"
//	}
//
// A FINDING is {"rule", "name", "severity" ("error"|"warning"|"info"),
// "message", "file", "line", "col", "path" (JSON path or element path, may
// be absent), "service" (the service's label, absent when the inputs name
// none), "resource": {"kind", "name"}, "fix", "suppression":
// {"kind" ("config"|"inline"), "justification", "file", "line", "col"}}.
// line and col are 1-based; 0 (omitted) when unknown.
type JSON struct {
	// Version is apimlab's version.
	Version string
}

type jsonReport struct {
	Version    int           `json:"version"`
	Tool       jsonTool      `json:"tool"`
	Summary    jsonSummary   `json:"summary"`
	Services   []string      `json:"services,omitempty"`
	Findings   []jsonFinding `json:"findings"`
	Suppressed []jsonFinding `json:"suppressed"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type jsonSummary struct {
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Infos      int `json:"infos"`
	Suppressed int `json:"suppressed"`
	Files      int `json:"files"`
	Rules      int `json:"rules"`
}

type jsonFinding struct {
	Rule        string           `json:"rule"`
	Name        string           `json:"name"`
	Severity    string           `json:"severity"`
	Message     string           `json:"message"`
	File        string           `json:"file"`
	Line        int              `json:"line,omitempty"`
	Col         int              `json:"col,omitempty"`
	Path        string           `json:"path,omitempty"`
	Service     string           `json:"service,omitempty"`
	Resource    *jsonResource    `json:"resource,omitempty"`
	Fix         string           `json:"fix,omitempty"`
	Suppression *jsonSuppression `json:"suppression,omitempty"`
	// Simulated is lint --simulate's evidence for breaker findings.
	Simulated *lint.Simulated `json:"simulated,omitempty"`
}

type jsonResource struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type jsonSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
	File          string `json:"file,omitempty"`
	Line          int    `json:"line,omitempty"`
	Col           int    `json:"col,omitempty"`
}

// Print implements Printer.
func (j *JSON) Print(w io.Writer, r *lint.Result) error {
	rep := jsonReport{
		Version: JSONVersion,
		Tool:    jsonTool{Name: "apimlab", Version: j.Version},
		Summary: jsonSummary{
			Errors: r.Stats.Errors, Warnings: r.Stats.Warnings, Infos: r.Stats.Infos,
			Suppressed: r.Stats.Suppressed, Files: r.Stats.Files, Rules: r.Stats.Rules,
		},
		Services:   r.Services,
		Findings:   jsonFindings(r.Findings),
		Suppressed: jsonFindings(r.Suppressed),
	}
	return writeReport(w, &rep)
}

// writeReport writes rep as encoding/json's Encoder with a two-space
// indent would (the same bytes), one member and one finding at a time
// through one reused buffer: encoding the whole report at once built it
// in a buffer, then indented it into a second one, both grown by
// doubling on fresh memory — 10 ms of a 270 ms lint of 10,000 backends
// for 600 findings (issue 16).
func writeReport(w io.Writer, rep *jsonReport) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// put writes v as encoded with prefix before each line but the first.
	put := func(prefix string, v any) error {
		buf.Reset()
		enc.SetIndent(prefix, "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	member := func(name string, v any) error {
		bw.WriteString("\n  \"" + name + "\": ")
		return put("  ", v)
	}
	list := func(name string, fs []jsonFinding) error {
		bw.WriteString("\n  \"" + name + "\": [")
		for i := range fs {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			if err := put("    ", &fs[i]); err != nil {
				return err
			}
		}
		if len(fs) > 0 {
			bw.WriteString("\n  ")
		}
		bw.WriteByte(']')
		return nil
	}
	bw.WriteByte('{')
	type namedValue struct {
		name string
		v    any
	}
	head := []namedValue{{"version", rep.Version}, {"tool", rep.Tool}, {"summary", rep.Summary}}
	if len(rep.Services) > 0 { // omitempty
		head = append(head, namedValue{"services", rep.Services})
	}
	for _, m := range head {
		if err := member(m.name, m.v); err != nil {
			return err
		}
		bw.WriteByte(',')
	}
	if err := list("findings", rep.Findings); err != nil {
		return err
	}
	bw.WriteByte(',')
	if err := list("suppressed", rep.Suppressed); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

func jsonFindings(fs []lint.Finding) []jsonFinding {
	out := make([]jsonFinding, 0, len(fs))
	for _, f := range fs {
		jf := jsonFinding{
			Rule: f.Rule, Name: f.Name, Severity: f.Severity.String(), Message: f.Message,
			File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Path: f.Pos.Path, Fix: f.Fix, Service: f.Service,
			Simulated: f.Simulated,
		}
		if f.Subject != (lint.Subject{}) {
			jf.Resource = &jsonResource{Kind: f.Subject.Kind, Name: f.Subject.Name}
		}
		if s := f.Suppression; s != nil {
			jf.Suppression = &jsonSuppression{Kind: s.Kind, Justification: s.Justification,
				File: s.Pos.File, Line: s.Pos.Line, Col: s.Pos.Col}
		}
		out = append(out, jf)
	}
	return out
}
