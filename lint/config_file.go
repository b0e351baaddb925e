package lint

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/internal/textfile"
	"go.yaml.in/yaml/v3"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid configuration")

// DefaultConfigFile is the configuration file apimlab looks for.
const DefaultConfigFile = ".apimlab.yaml"

// LoadConfig reads and validates a configuration file. Unknown keys, bad
// severities, bad dates, negative thresholds and suppressions without a
// reason are errors naming file:line:col.
func LoadConfig(path string) (*Config, error) {
	data, err := textfile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return ParseConfig(path, data)
}

// ParseConfig parses configuration text; file names it in errors and
// positions.
func ParseConfig(file string, data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrConfig, file, err)
	}
	cfg := &Config{File: file}
	if len(doc.Content) == 0 {
		return cfg, nil // empty file: defaults
	}
	p := &cfgParser{file: file}
	p.top(doc.Content[0], cfg)
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrConfig, errors.Join(p.errs...))
	}
	return cfg, nil
}

type cfgParser struct {
	file string
	errs []error
}

func (p *cfgParser) pos(n *yaml.Node) apim.Position {
	return apim.Position{File: p.file, Line: n.Line, Col: n.Column}
}

func (p *cfgParser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", p.pos(n), fmt.Sprintf(format, args...)))
}

// mapping calls fn for each key/value of a mapping node; keys outside
// known are errors. It reports an error and returns when n is no mapping.
func (p *cfgParser) mapping(n *yaml.Node, what string, known []string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		if n.Tag == "!!null" {
			return
		}
		p.errorf(n, "%s must be a mapping", what)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if known != nil && !contains(known, k.Value) {
			p.errorf(k, "unknown key %q in %s (known: %s)", k.Value, what, strings.Join(known, ", "))
			continue
		}
		fn(k.Value, k, v)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *cfgParser) top(n *yaml.Node, cfg *Config) {
	known := []string{"rules", "baseline", "backends", "suppressions", "certificates", "keyvaultDir", "sku"}
	p.mapping(n, "the configuration", known, func(key string, _, v *yaml.Node) {
		switch key {
		case "rules":
			cfg.Rules = map[string]RuleConfig{}
			p.mapping(v, "rules", nil, func(id string, k, v *yaml.Node) {
				if !ruleIDRe.MatchString(id) {
					p.errorf(k, "rules: %q is not a rule ID (APIMnnn)", id)
					return
				}
				cfg.Rules[id] = p.rule(id, k, v)
			})
		case "baseline":
			cfg.Baseline = p.baseline(v, "baseline")
		case "backends":
			cfg.Backends = map[string]BackendConfig{}
			p.mapping(v, "backends", nil, func(name string, _, v *yaml.Node) {
				cfg.Backends[name] = p.backend(name, v)
			})
		case "suppressions":
			p.suppressions(v, cfg)
		case "certificates":
			cfg.Certificates = map[string]CertificateConfig{}
			p.mapping(v, "certificates", nil, func(id string, k, v *yaml.Node) {
				cc := CertificateConfig{Pos: p.pos(k)}
				what := "certificates." + id
				p.mapping(v, what, []string{"file", "passwordEnv"}, func(key string, _, v *yaml.Node) {
					switch key {
					case "file":
						cc.File = p.str(v, what+".file")
					case "passwordEnv":
						cc.PasswordEnv = p.str(v, what+".passwordEnv")
					}
				})
				if cc.File == "" {
					p.errorf(k, "%s: file is required", what)
				}
				cfg.Certificates[id] = cc
			})
		case "keyvaultDir":
			cfg.KeyVaultDir = p.str(v, "keyvaultDir")
		case "sku":
			name := p.str(v, "sku")
			if name == "" {
				return // reported by str, or empty
			}
			t, err := ParseTier(name)
			if err != nil {
				p.errorf(v, "sku: %v", err)
				return
			}
			cfg.SKU, cfg.SKUPos = t, p.pos(v)
		}
	})
}

func (p *cfgParser) rule(id string, k, n *yaml.Node) RuleConfig {
	rc := RuleConfig{Pos: p.pos(k)}
	what := "rules." + id
	p.mapping(n, what, []string{"severity", "disabled", "options"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "severity":
			s, err := ParseSeverity(p.str(v, what+".severity"))
			if err != nil {
				p.errorf(v, "%s.severity: %v", what, err)
				return
			}
			rc.Severity = &s
		case "disabled":
			rc.Disabled = p.boolean(v, what+".disabled")
		case "options":
			rc.Options = map[string]any{}
			p.mapping(v, what+".options", nil, func(opt string, _, v *yaml.Node) {
				var val any
				if err := v.Decode(&val); err != nil {
					p.errorf(v, "%s.options.%s: %v", what, opt, err)
					return
				}
				rc.Options[opt] = val
			})
		}
	})
	return rc
}

func (p *cfgParser) baseline(n *yaml.Node, what string) Baseline {
	var b Baseline
	p.mapping(n, what, []string{"rps", "failureRate"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "rps":
			b.RPS = p.number(v, what+".rps")
			if b.RPS <= 0 {
				p.errorf(v, "%s.rps must be greater than 0", what)
			}
		case "failureRate":
			b.FailureRate = p.number(v, what+".failureRate")
			if b.FailureRate <= 0 || b.FailureRate >= 1 {
				p.errorf(v, "%s.failureRate must be a ratio between 0 and 1 (0.01 is 1%%)", what)
			}
		}
	})
	return b
}

func (p *cfgParser) backend(name string, n *yaml.Node) BackendConfig {
	var bc BackendConfig
	what := "backends." + name
	p.mapping(n, what, []string{"baseline", "trustedClientCAs"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "baseline":
			bc.Baseline = p.baseline(v, what+".baseline")
		case "trustedClientCAs":
			bc.TrustedClientCAs = p.strings(v, what+".trustedClientCAs")
		}
	})
	return bc
}

func (p *cfgParser) suppressions(n *yaml.Node, cfg *Config) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "suppressions must be a list")
		return
	}
	known := []string{"rule", "resource", "file", "reason", "expires"}
	for i, item := range n.Content {
		s := Suppression{Pos: p.pos(item)}
		what := fmt.Sprintf("suppressions[%d]", i)
		p.mapping(item, what, known, func(key string, _, v *yaml.Node) {
			val := p.str(v, what+"."+key)
			switch key {
			case "rule":
				s.Rule = val
			case "resource":
				if strings.ContainsAny(val, "*?[") {
					// Entity names cannot contain these: a pattern here
					// would silently match nothing.
					p.errorf(v, "%s.resource: %q is compared as an exact entity name, not a glob; "+
						"write one suppression per resource, or use file: for a pattern", what, val)
				}
				s.Resource = val
			case "file":
				s.File = val
			case "reason":
				s.Reason = strings.TrimSpace(val)
			case "expires":
				if _, err := time.Parse(expiryLayout, val); err != nil {
					p.errorf(v, "%s.expires: %q is not a date (want YYYY-MM-DD)", what, val)
				}
				s.Expires = val
			}
		})
		if s.Rule == "" {
			p.errorf(item, "%s: rule is required", what)
		} else if !ruleIDRe.MatchString(s.Rule) {
			p.errorf(item, "%s: rule %q is not a rule ID (APIMnnn)", what, s.Rule)
		}
		if s.Reason == "" {
			p.errorf(item, "%s: reason is required (say why the finding is acceptable)", what)
		}
		if s.File != "" {
			if _, err := pathMatchCheck(s.File); err != nil {
				p.errorf(item, "%s.file: bad glob %q: %v", what, s.File, err)
			}
		}
		cfg.Suppressions = append(cfg.Suppressions, s)
	}
}

func (p *cfgParser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be a string", what)
		return ""
	}
	return n.Value
}

func (p *cfgParser) strings(n *yaml.Node, what string) []string {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list", what)
		return nil
	}
	var out []string
	for i, item := range n.Content {
		out = append(out, p.str(item, fmt.Sprintf("%s[%d]", what, i)))
	}
	return out
}

func (p *cfgParser) boolean(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, err := strconv.ParseBool(n.Value)
		if err == nil {
			return b
		}
		return n.Value == "yes" || n.Value == "on" || n.Value == "y"
	}
	p.errorf(n, "%s must be true or false", what)
	return false
}

func (p *cfgParser) number(n *yaml.Node, what string) float64 {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	p.errorf(n, "%s must be a number", what)
	return 0
}

// pathMatchCheck validates a glob's syntax.
func pathMatchCheck(pattern string) (bool, error) {
	for _, seg := range strings.Split(pattern, "/") {
		if seg == "**" {
			continue
		}
		if _, err := matchErr(seg); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Validate checks that every rule ID the configuration names is one of
// rules, so that a typo does not silently configure nothing.
func (c *Config) Validate(rules []*Rule) error {
	if c == nil {
		return nil
	}
	ids := map[string]bool{}
	for _, r := range rules {
		ids[r.ID] = true
	}
	var errs []error
	for id, rc := range c.Rules {
		if !ids[id] {
			errs = append(errs, fmt.Errorf("%s: rules: unknown rule %s", rc.Pos, id))
		}
	}
	for _, s := range c.Suppressions {
		if !ids[s.Rule] {
			errs = append(errs, fmt.Errorf("%s: suppressions: unknown rule %s", s.Pos, s.Rule))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// Map iteration order is random; sort for stable messages.
	sortErrors(errs)
	return fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
}
