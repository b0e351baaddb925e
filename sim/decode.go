package sim

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/internal/textfile"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// ErrScenario is wrapped by every error about an invalid scenario file.
var ErrScenario = errors.New("invalid scenario")

// MaxScenarioBytes bounds a scenario file's size.
const MaxScenarioBytes = 4 << 20

// Load reads, decodes and validates a scenario file (YAML, or JSON, which
// is YAML). Every error names file:line:col.
func Load(path string) (*Scenario, error) {
	// Read as UTF-8 text whatever Unicode encoding it was saved in, as
	// the configuration it drives is (internal/textfile).
	data, err := textfile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrScenario, err)
	}
	return Parse(path, data)
}

// Parse decodes and validates scenario text; file names it in errors and
// resolves relative config paths.
func Parse(file string, data []byte) (*Scenario, error) {
	if len(data) > MaxScenarioBytes {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes", ErrScenario, file, MaxScenarioBytes)
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrScenario, yamlError(file, err))
	}
	if len(f.Docs) != 1 || f.Docs[0] == nil || f.Docs[0].Body == nil {
		return nil, fmt.Errorf("%w: %s: expected one YAML or JSON document", ErrScenario, file)
	}
	if _, ok := unwrap(f.Docs[0].Body).(*ast.MappingNode); !ok {
		return nil, fmt.Errorf("%w: %s: %s: a scenario is a mapping (name, config, backends, load, expect)",
			ErrScenario, file, nodePos(file, f.Docs[0].Body))
	}
	sc := &Scenario{File: file}
	if err := yaml.NodeToValue(f.Docs[0].Body, sc, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrScenario, yamlError(file, err))
	}
	sc.Pos = positions(file, f.Docs[0].Body)
	if err := sc.validate(); err != nil {
		return nil, err
	}
	return sc, nil
}

// ConfigPaths returns Config resolved against the scenario file's folder.
func (s *Scenario) ConfigPaths() []string { return s.resolve(s.Config) }

// ParameterPaths returns Parameters resolved against the scenario's folder.
func (s *Scenario) ParameterPaths() []string { return s.resolve(s.Parameters) }

func (s *Scenario) resolve(list []string) []string {
	dir := filepath.Dir(s.File)
	out := make([]string, len(list))
	for i, p := range list {
		if filepath.IsAbs(p) || s.File == "" {
			out[i] = p
		} else {
			out[i] = filepath.Join(dir, p)
		}
	}
	return out
}

// At returns the position of the element at YAML path p ("$.load[0]"),
// falling back to its closest written ancestor, then to the file.
func (s *Scenario) At(p string) apim.Position {
	for {
		if pos, ok := s.Pos[p]; ok {
			return pos
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			return apim.Position{File: s.File}
		}
		p = p[:i]
	}
}

// positionError is an error at a YAML node.
type positionError struct {
	line, col int
	msg       string
}

func (e *positionError) Error() string { return e.msg }

func nodeError(n ast.Node, format string, args ...any) error {
	tk := n.GetToken()
	e := &positionError{msg: fmt.Sprintf(format, args...)}
	if tk != nil && tk.Position != nil {
		e.line, e.col = tk.Position.Line, tk.Position.Column
	}
	return e
}

// yamlError renders a decoder error as "file:line:col: message".
func yamlError(file string, err error) string {
	var pe *positionError
	if errors.As(err, &pe) {
		return apim.Position{File: file, Line: pe.line, Col: pe.col}.String() + ": " + pe.msg
	}
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
		p := ye.GetToken().Position
		return apim.Position{File: file, Line: p.Line, Col: p.Column}.String() + ": " + ye.GetMessage()
	}
	return file + ": " + err.Error()
}

func nodePos(file string, n ast.Node) apim.Position {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return apim.Position{File: file}
	}
	return apim.Position{File: file, Line: tk.Position.Line, Col: tk.Position.Column}
}

// unwrap skips anchors and tags.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// scalar returns a scalar node's text.
func scalar(n ast.Node) (string, error) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.LiteralNode:
		return v.GetToken().Value, nil
	case *ast.NullNode:
		return "", nodeError(n, "a value is required here")
	default:
		return "", nodeError(n, "expected a single value, not a %s", strings.ToLower(n.Type().String()))
	}
}

// positions records the position of every mapping value and sequence item
// by YAML path, so validation errors can point where the user wrote things.
func positions(file string, root ast.Node) map[string]apim.Position {
	out := map[string]apim.Position{}
	var walk func(path string, n ast.Node)
	walk = func(path string, n ast.Node) {
		n = unwrap(n)
		out[path] = nodePos(file, n)
		switch v := n.(type) {
		case *ast.MappingNode:
			for _, kv := range v.Values {
				k := kv.Key.String()
				if uq, err := strconv.Unquote(k); err == nil {
					k = uq
				}
				p := path + "." + k
				walk(p, kv.Value)
				out[p+"#key"] = nodePos(file, kv.Key)
			}
		case *ast.SequenceNode:
			for i, item := range v.Values {
				walk(fmt.Sprintf("%s[%d]", path, i), item)
			}
		}
	}
	walk("$", root)
	return out
}
