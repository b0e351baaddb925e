package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/invopop/jsonschema"

	"github.com/apimlab/apimlab/apim"
)

// Duration is a scenario duration, written as a Go duration ("90s",
// "1m30s", "250ms"), an ISO-8601 duration as in ARM ("PT1M30S"), or a
// number of seconds.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d as a Go duration.
func (d Duration) String() string { return time.Duration(d).String() }

// ParseDuration parses the forms Duration accepts.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || math.IsNaN(f) || f > float64(math.MaxInt64)/1e9 {
			return 0, fmt.Errorf("duration %q is out of range", s)
		}
		return Duration(f * float64(time.Second)), nil
	}
	if s[0] == 'P' || s[0] == 'p' || strings.HasPrefix(s, "-P") {
		d, err := apim.ParseDuration(s)
		if err != nil {
			return 0, err
		}
		return Duration(d), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: use a Go duration (30s, 1m30s), ISO-8601 (PT30S) or seconds", s)
	}
	return Duration(d), nil
}

// UnmarshalYAML implements the YAML decoder's node unmarshaler.
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	s, err := scalar(n)
	if err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return nodeError(n, "%v", err)
	}
	if v < 0 {
		return nodeError(n, "duration %q is negative: scenario times and durations are never negative", s)
	}
	*d = v
	return nil
}

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads the forms ParseDuration accepts.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var f float64
		if err2 := json.Unmarshal(b, &f); err2 != nil {
			return err
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = v
	return nil
}

// MarshalYAML writes d as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// JSONSchema describes Duration for editors.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			{Type: "string", Pattern: `^(P.*|[0-9.]+(ns|us|µs|ms|s|m|h))+$`, Description: "Go duration (30s, 1m30s) or ISO-8601 (PT30S)"},
			{Type: "number", Minimum: json.Number("0"), Description: "seconds"},
		},
	}
}

// StringList is a list of strings, also written as a single string.
type StringList []string

// UnmarshalYAML implements the YAML decoder's node unmarshaler.
func (l *StringList) UnmarshalYAML(n ast.Node) error {
	switch v := unwrap(n).(type) {
	case *ast.SequenceNode:
		out := make([]string, 0, len(v.Values))
		for _, item := range v.Values {
			s, err := scalar(item)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		*l = out
		return nil
	default:
		s, err := scalar(n)
		if err != nil {
			return err
		}
		*l = StringList{s}
		return nil
	}
}

// JSONSchema describes StringList for editors.
func (StringList) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		{Type: "string"},
		{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
	}}
}

// Window is written as a two-element list.

// UnmarshalYAML implements the YAML decoder's node unmarshaler.
func (w *Window) UnmarshalYAML(n ast.Node) error {
	seq, ok := unwrap(n).(*ast.SequenceNode)
	if !ok || len(seq.Values) != 2 {
		return nodeError(n, "a window is written [from, to], two durations")
	}
	for i, item := range seq.Values {
		if err := w[i].UnmarshalYAML(item); err != nil {
			return err
		}
	}
	if w[1] < w[0] {
		return nodeError(n, "window [%s, %s] ends before it starts", w[0], w[1])
	}
	return nil
}

// JSONSchema describes Window for editors.
func (Window) JSONSchema() *jsonschema.Schema {
	d := Duration(0).JSONSchema()
	return &jsonschema.Schema{Type: "array", Items: d, MinItems: ptr(uint64(2)), MaxItems: ptr(uint64(2))}
}

// Latency distributions.
const (
	DistFixed       = "fixed"
	DistUniform     = "uniform"
	DistNormal      = "normal"
	DistExponential = "exponential"
)

// Latency is a fake backend's base latency: a fixed duration ("20ms") or a
// distribution {distribution: uniform, min, max} | {distribution: normal,
// mean, stddev} | {distribution: exponential, mean}. Draws are never
// negative.
type Latency struct {
	Distribution string   `yaml:"distribution,omitempty" json:"distribution,omitempty" jsonschema:"enum=fixed,enum=uniform,enum=normal,enum=exponential"`
	Value        Duration `yaml:"value,omitempty" json:"value,omitempty"`
	Min          Duration `yaml:"min,omitempty" json:"min,omitempty"`
	Max          Duration `yaml:"max,omitempty" json:"max,omitempty"`
	Mean         Duration `yaml:"mean,omitempty" json:"mean,omitempty"`
	Stddev       Duration `yaml:"stddev,omitempty" json:"stddev,omitempty"`
}

// latencyFields is the mapping form's decoding target.
type latencyFields Latency

// UnmarshalYAML implements the YAML decoder's node unmarshaler.
func (l *Latency) UnmarshalYAML(n ast.Node) error {
	m, ok := unwrap(n).(*ast.MappingNode)
	if !ok {
		var d Duration
		if err := d.UnmarshalYAML(n); err != nil {
			return err
		}
		*l = Latency{Distribution: DistFixed, Value: d}
		return nil
	}
	var f latencyFields
	known := map[string]*Duration{"value": &f.Value, "min": &f.Min, "max": &f.Max, "mean": &f.Mean, "stddev": &f.Stddev}
	for _, kv := range m.Values {
		key := kv.Key.String()
		if key == "distribution" {
			s, err := scalar(kv.Value)
			if err != nil {
				return err
			}
			f.Distribution = s
			continue
		}
		dst, ok := known[key]
		if !ok {
			return nodeError(kv.Key, "unknown field %q in latency (known: distribution, value, min, max, mean, stddev)", key)
		}
		if err := dst.UnmarshalYAML(kv.Value); err != nil {
			return err
		}
	}
	need := map[string][]string{DistFixed: {"value"}, DistUniform: {"min", "max"}, DistNormal: {"mean", "stddev"}, DistExponential: {"mean"}}
	if f.Distribution == "" {
		f.Distribution = DistFixed
	}
	if _, ok := need[f.Distribution]; !ok {
		return nodeError(n, "unknown latency distribution %q (known: fixed, uniform, normal, exponential)", f.Distribution)
	}
	if f.Distribution == DistUniform && f.Max < f.Min {
		return nodeError(n, "uniform latency: max %s is below min %s", f.Max, f.Min)
	}
	*l = Latency(f)
	return nil
}

// IsZero reports whether l adds no latency.
func (l Latency) IsZero() bool {
	return l == Latency{} || (l.Distribution == DistFixed && l.Value == 0)
}

// Mean returns the distribution's mean (for the model engine and reports).
func (l Latency) MeanD() time.Duration {
	switch l.Distribution {
	case DistUniform:
		return (l.Min.D() + l.Max.D()) / 2
	case DistNormal, DistExponential:
		return l.Mean.D()
	default:
		return l.Value.D()
	}
}

// Draw returns one latency; u1 and u2 are independent uniform draws in
// [0, 1) from the scenario's seeded source.
func (l Latency) Draw(u1, u2 float64) time.Duration {
	var d float64
	switch l.Distribution {
	case DistUniform:
		d = float64(l.Min) + u1*float64(l.Max-l.Min)
	case DistNormal:
		// Box-Muller.
		z := math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
		d = float64(l.Mean) + z*float64(l.Stddev)
	case DistExponential:
		d = -math.Log(1-u1) * float64(l.Mean)
	default:
		d = float64(l.Value)
	}
	if d < 0 {
		return 0
	}
	return time.Duration(d)
}

// JSONSchema describes Latency for editors.
func (Latency) JSONSchema() *jsonschema.Schema {
	d := Duration(0).JSONSchema()
	props := jsonschema.NewProperties()
	props.Set("distribution", &jsonschema.Schema{Type: "string", Enum: []any{DistFixed, DistUniform, DistNormal, DistExponential}})
	for _, k := range []string{"value", "min", "max", "mean", "stddev"} {
		props.Set(k, d)
	}
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
		d,
		{Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema},
	}}
}

func ptr[T any](v T) *T { return &v }
