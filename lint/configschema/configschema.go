// Package configschema describes the shape of .apimlab.yaml as Go types,
// from which `go generate ./lint/configschema` writes the JSON Schema
// editors use (docs/schemas/apimlab.schema.json). Start a configuration
// file with
//
//	# yaml-language-server: $schema=https://raw.githubusercontent.com/apimlab/apimlab/main/docs/schemas/apimlab.schema.json
//
// and the YAML language server (VS Code's YAML extension, and editors
// built on it) completes keys, shows these descriptions and flags
// mistakes as you type.
//
// The configuration is read by lint.ParseConfig, which walks the YAML
// itself to report errors with positions; these types only describe it.
// The tests keep the two in step: every key the schema declares is
// accepted by the parser, every key the parser knows is in the schema,
// and the shipped examples pass both.
package configschema

//go:generate go run ./gen

import (
	"github.com/apimlab/apimlab/internal/schemagen"
	"github.com/invopop/jsonschema"
)

// SchemaID is the URL the schema is published at.
const SchemaID = "https://raw.githubusercontent.com/apimlab/apimlab/main/docs/schemas/apimlab.schema.json"

// SchemaFile is the schema's path from the module root.
const SchemaFile = "docs/schemas/apimlab.schema.json"

// File is an .apimlab.yaml configuration: rule settings, expected
// traffic, per-backend settings, suppressions and certificate files.
// Every key is optional; an empty file runs every rule at its default
// severity.
type File struct {
	// Rules changes rules by ID (APIMnnn): severity, options, or off.
	Rules map[string]Rule `yaml:"rules,omitempty"`
	// Baseline is the traffic every backend is assumed to carry, for
	// the circuit breaker rules (default 50 requests/s with 1% failures).
	Baseline *Baseline `yaml:"baseline,omitempty"`
	// Backends holds settings per backend, by backend name.
	Backends map[string]Backend `yaml:"backends,omitempty"`
	// Suppressions silence findings that are accepted, each with a reason.
	Suppressions []Suppression `yaml:"suppressions,omitempty"`
	// Certificates maps certificate entity ids to local files holding
	// them (APIOps extracts no certificate content).
	Certificates map[string]Certificate `yaml:"certificates,omitempty"`
	// KeyvaultDir is a folder standing in for Key Vault: the secret named
	// NAME is read from KeyvaultDir/NAME (PFX or PEM).
	KeyvaultDir string `yaml:"keyvaultDir,omitempty"`
	// Sku is the service tier the tier-aware rules check against when the
	// inputs hold no service resource, or to override its sku.name
	// (`lint --sku` wins over it). Matched case-insensitively.
	Sku string `yaml:"sku,omitempty" jsonschema:"enum=Consumption,enum=Developer,enum=Basic,enum=Standard,enum=Premium,enum=Isolated,enum=BasicV2,enum=StandardV2,enum=PremiumV2"`
}

// Rule overrides one rule's defaults.
type Rule struct {
	// Severity replaces the rule's default severity.
	Severity string `yaml:"severity,omitempty" jsonschema:"enum=error,enum=warning,enum=warn,enum=info"`
	// Disabled turns the rule off.
	Disabled bool `yaml:"disabled,omitempty"`
	// Options are the rule's thresholds; `apimlab explain ID` lists them.
	Options map[string]any `yaml:"options,omitempty"`
}

// Baseline is expected traffic.
type Baseline struct {
	// RPS is requests per second (greater than 0).
	RPS float64 `yaml:"rps,omitempty" jsonschema:"exclusiveMinimum=0"`
	// FailureRate is the share of requests that fail in normal operation,
	// as a ratio (0.01 is 1%).
	FailureRate float64 `yaml:"failureRate,omitempty" jsonschema:"exclusiveMinimum=0,exclusiveMaximum=1"`
}

// Backend holds settings for one backend.
type Backend struct {
	// Baseline overrides the expected traffic for this backend.
	Baseline *Baseline `yaml:"baseline,omitempty"`
	// TrustedClientCAs are PEM files of the CAs this backend accepts
	// client certificates from (APIM304).
	TrustedClientCAs []string `yaml:"trustedClientCAs,omitempty"`
}

// Certificate locates a certificate entity's content on disk.
type Certificate struct {
	// File is a PFX or PEM file, relative to the configuration file.
	File string `yaml:"file" jsonschema:"required,minLength=1"`
	// PasswordEnv names the environment variable holding the PFX
	// password; the password itself never goes in this file.
	PasswordEnv string `yaml:"passwordEnv,omitempty"`
}

// Suppression silences the findings of one rule, narrowed by resource
// and file.
type Suppression struct {
	// Rule is the rule ID (APIMnnn).
	Rule string `yaml:"rule" jsonschema:"required,pattern=^APIM[0-9]{3}$"`
	// Resource is the exact name of the resource (backend, certificate,
	// policy...) the finding is about.
	Resource string `yaml:"resource,omitempty"`
	// File is a glob of the files the suppression applies to (** spans
	// folders).
	File string `yaml:"file,omitempty"`
	// Reason says why the finding is acceptable; it is shown with every
	// suppressed finding.
	Reason string `yaml:"reason" jsonschema:"required,minLength=1"`
	// Expires is the last day the suppression applies (YYYY-MM-DD); after
	// it the finding is reported again, with APIM904.
	Expires string `yaml:"expires,omitempty" jsonschema:"pattern=^[0-9]{4}-[0-9]{2}-[0-9]{2}$"`
}

// ruleIDPattern is the form of a rule ID.
const ruleIDPattern = "^APIM[0-9]{3}$"

// JSONSchemaExtend restricts the keys of rules to rule IDs (invopop
// reflects a map's values, not its keys).
func (File) JSONSchemaExtend(s *jsonschema.Schema) {
	if rules, ok := s.Properties.Get("rules"); ok {
		rules.PropertyNames = &jsonschema.Schema{Pattern: ruleIDPattern}
	}
}

// Generate returns the schema of File. It runs in this package's folder
// (go generate, go test), where it reads the doc comments above.
func Generate() ([]byte, error) {
	return schemagen.Generate(&File{}, schemagen.Options{
		ID:          SchemaID,
		Title:       "apimlab configuration (.apimlab.yaml)",
		Description: "Settings for apimlab lint: rule severities and options, expected traffic, backends, suppressions, certificate files. Generated from lint/configschema; do not edit.",
		Package:     "github.com/apimlab/apimlab/lint/configschema",
	})
}
