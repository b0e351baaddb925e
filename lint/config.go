package lint

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// Config is the effective lint configuration, usually read from
// .apimlab.yaml. The zero Config runs every rule at its default severity.
type Config struct {
	// Rules holds per-rule settings by ID.
	Rules map[string]RuleConfig
	// Backends holds per-backend settings by backend name.
	Backends map[string]BackendConfig
	// Baseline is the default traffic assumption for breaker rules.
	Baseline Baseline
	// Suppressions silence findings; each needs a reason.
	Suppressions []Suppression
	// Certificates maps a certificate entity id to a local file that holds
	// it, for the certificate rules and the gateway (data only here).
	Certificates map[string]CertificateConfig
	// KeyVaultDir, when non-empty, is a directory standing in for Key
	// Vault: secret "name" is read from KeyVaultDir/name.
	KeyVaultDir string
	// SKU, when non-empty, is the service tier the tier-aware rules check
	// against, whatever the inputs' service resource says (`sku:` in
	// .apimlab.yaml, or `lint --sku`, which wins). Empty means the tier
	// comes from the service resource's sku.name, if any.
	SKU apim.Tier
	// SKUPos is where .apimlab.yaml sets SKU; zero when it came from the
	// command line.
	SKUPos apim.Position
	// File is the path the configuration was read from ("" when built in
	// code).
	File string
	// provided holds the values callers supplied for rule inputs
	// (Provide); rules read them with Get.
	provided map[Requirement]any
}

// CertificateConfig locates a certificate entity's content on disk.
type CertificateConfig struct {
	// File is a PFX or PEM file, relative to the configuration file.
	File string
	// PasswordEnv names the environment variable holding the PFX
	// password; empty means no password. The password itself never
	// appears in the configuration.
	PasswordEnv string
	// Pos is where the entry is written.
	Pos apim.Position
}

// RuleConfig overrides a rule's defaults.
type RuleConfig struct {
	// Severity overrides the default severity when non-nil.
	Severity *Severity
	// Disabled turns the rule off.
	Disabled bool
	// Options are rule thresholds (see each rule's doc).
	Options map[string]any
	// Pos is where the rule's entry is written in the configuration.
	Pos apim.Position
}

// Baseline is expected backend traffic. Zero fields mean the defaults
// (50 requests per second, 1% failures).
type Baseline struct {
	RPS         float64
	FailureRate float64
}

// BackendConfig holds per-backend settings.
type BackendConfig struct {
	// Baseline overrides the traffic assumption for this backend.
	Baseline Baseline
	// TrustedClientCAs lists PEM files of the CAs the backend accepts
	// client certificates from (for APIM304).
	TrustedClientCAs []string
}

// Suppression silences matching findings. Rule is required; Resource and
// File (a glob) narrow it; Reason is mandatory; Expires (YYYY-MM-DD), when
// set and past, stops the suppression and is itself reported.
type Suppression struct {
	Rule     string
	Resource string
	File     string
	Reason   string
	Expires  string
	// Pos is where the suppression entry is written; expired-suppression
	// findings point at it.
	Pos apim.Position
}

func (c *Config) option(id, key string) (any, bool) {
	if c == nil {
		return nil, false
	}
	rc, ok := c.Rules[id]
	if !ok {
		return nil, false
	}
	v, ok := rc.Options[key]
	return v, ok
}

// BaselineOf returns the traffic a backend is expected to see (rps and
// failure rate from .apimlab.yaml, else 50 rps with 1 % failures): the
// breaker rules and lint --simulate use it.
func (c *Config) BaselineOf(backend string) (rps, failureRate float64) { return c.baseline(backend) }

func (c *Config) baseline(backend string) (rps, failureRate float64) {
	rps, failureRate = 50, 0.01
	if c == nil {
		return
	}
	if c.Baseline.RPS > 0 {
		rps = c.Baseline.RPS
	}
	if c.Baseline.FailureRate > 0 {
		failureRate = c.Baseline.FailureRate
	}
	for name, bc := range c.Backends {
		if strings.EqualFold(name, backend) {
			if bc.Baseline.RPS > 0 {
				rps = bc.Baseline.RPS
			}
			if bc.Baseline.FailureRate > 0 {
				failureRate = bc.Baseline.FailureRate
			}
		}
	}
	return
}

// ParseTier returns the tier named s (case-insensitive), or an error that
// names the valid tiers.
func ParseTier(s string) (apim.Tier, error) {
	t, ok := apim.ParseTier(s)
	if !ok {
		return "", fmt.Errorf("unknown tier %q (valid: %s)", s, apim.TierNames())
	}
	return t, nil
}
