package lint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fullConfig = `# apimlab configuration
rules:
  APIM203:
    severity: error
    options:
      tripsPerDay: 2
      minTripDuration: PT10S
  APIM001:
    disabled: true
baseline:
  rps: 200
  failureRate: 0.02
backends:
  orders:
    baseline: {rps: 5}
    trustedClientCAs: [ca.pem, other-ca.pem]
suppressions:
  - rule: APIM002
    resource: legacy-billing
    reason: vendor has no TLS until the 2025 contract
    expires: 2025-12-31
  - rule: APIM402
    file: "apis/**/policy.xml"
    reason: hard-coded hosts are reviewed in OPS-12
certificates:
  client-cert:
    file: certs/client.pfx
    passwordEnv: CLIENT_PFX_PASSWORD
keyvaultDir: kv
`

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig(".apimlab.yaml", []byte(fullConfig))
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Rules["APIM203"]
	if rc.Severity == nil || *rc.Severity != Error {
		t.Errorf("APIM203 severity = %v", rc.Severity)
	}
	if got, want := rc.Options["tripsPerDay"], 2; got != want {
		t.Errorf("tripsPerDay = %#v, want %#v", got, want)
	}
	p := NewPass(&Rule{ID: "APIM203"}, nil, cfg, testNow, func(Finding) {})
	if got := p.Float("tripsPerDay", 1); got != 2 {
		t.Errorf("Float(tripsPerDay) = %v", got)
	}
	if got := p.Duration("minTripDuration", 0); got.Seconds() != 10 {
		t.Errorf("Duration(minTripDuration) = %v", got)
	}
	if rps, fr := p.Baseline("ORDERS"); rps != 5 || fr != 0.02 {
		t.Errorf("Baseline(orders) = %v, %v; want 5, 0.02", rps, fr)
	}
	if rps, fr := p.Baseline("other"); rps != 200 || fr != 0.02 {
		t.Errorf("Baseline(other) = %v, %v; want 200, 0.02", rps, fr)
	}
	if !cfg.Rules["APIM001"].Disabled {
		t.Error("APIM001 not disabled")
	}
	if got := cfg.Backends["orders"].TrustedClientCAs; len(got) != 2 || got[1] != "other-ca.pem" {
		t.Errorf("trustedClientCAs = %v", got)
	}
	if len(cfg.Suppressions) != 2 {
		t.Fatalf("suppressions = %+v", cfg.Suppressions)
	}
	s := cfg.Suppressions[0]
	if s.Rule != "APIM002" || s.Resource != "legacy-billing" || s.Expires != "2025-12-31" || s.Pos.String() != ".apimlab.yaml:18:5" {
		t.Errorf("suppression[0] = %+v (pos %s)", s, s.Pos)
	}
	if c := cfg.Certificates["client-cert"]; c.File != "certs/client.pfx" || c.PasswordEnv != "CLIENT_PFX_PASSWORD" {
		t.Errorf("certificate = %+v", c)
	}
	if cfg.KeyVaultDir != "kv" || cfg.File != ".apimlab.yaml" {
		t.Errorf("keyvaultDir %q, file %q", cfg.KeyVaultDir, cfg.File)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"unknown top key", "rules: {}\nbaselines: {rps: 3}\n", `c.yaml:2:1: unknown key "baselines"`},
		{"unknown rule key", "rules:\n  APIM001:\n    severty: error\n", `c.yaml:3:5: unknown key "severty" in rules.APIM001`},
		{"bad severity", "rules:\n  APIM001: {severity: fatal}\n", `c.yaml:2:23: rules.APIM001.severity: unknown severity "fatal"`},
		{"bad rule id", "rules:\n  apim1: {disabled: true}\n", `c.yaml:2:3: rules: "apim1" is not a rule ID`},
		{"bad date", "suppressions:\n  - {rule: APIM001, reason: r, expires: 31.12.2025}\n", `c.yaml:2:41: suppressions[0].expires: "31.12.2025" is not a date`},
		{"missing reason", "suppressions:\n  - rule: APIM001\n    resource: x\n", `c.yaml:2:5: suppressions[0]: reason is required`},
		{"blank reason", "suppressions:\n  - {rule: APIM001, reason: \"  \"}\n", `reason is required`},
		{"missing rule", "suppressions:\n  - {reason: x}\n", `suppressions[0]: rule is required`},
		{"bad glob", "suppressions:\n  - {rule: APIM001, reason: x, file: \"[a\"}\n", `bad glob "[a"`},
		{"glob as resource", "suppressions:\n  - {rule: APIM001, reason: x, resource: \"orders-*\"}\n", `c.yaml:2:42: suppressions[0].resource: "orders-*" is compared as an exact entity name, not a glob`},
		{"bad rps", "baseline: {rps: -1}\n", `c.yaml:1:17: baseline.rps must be greater than 0`},
		{"rate as percent", "backends:\n  b: {baseline: {failureRate: 5}}\n", `backends.b.baseline.failureRate must be a ratio`},
		{"not a number", "baseline: {rps: fast}\n", `baseline.rps must be a number`},
		{"suppressions not a list", "suppressions: {rule: APIM001}\n", `suppressions must be a list`},
		{"disabled not bool", "rules:\n  APIM001: {disabled: maybe}\n", `rules.APIM001.disabled must be true or false`},
		{"cert without file", "certificates:\n  c: {passwordEnv: X}\n", `certificates.c: file is required`},
		{"yaml syntax", "rules: [\n", `c.yaml: yaml:`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("c.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, DefaultConfigFile)
	if err := os.WriteFile(p, []byte(""), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(p)
	if err != nil || cfg.File != p || cfg.Rules != nil {
		t.Errorf("empty file: cfg %+v, err %v", cfg, err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); !errors.Is(err, ErrConfig) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("rules:\n  APIM777: {disabled: true}\nsuppressions:\n  - {rule: APIM001, reason: ok}\n  - {rule: APIM778, reason: typo}\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate([]*Rule{{ID: "APIM001"}})
	for _, want := range []string{"c.yaml:2:3: rules: unknown rule APIM777", "c.yaml:5:5: suppressions: unknown rule APIM778"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error %v does not contain %q", err, want)
		}
	}
	if err := (&Config{}).Validate(nil); err != nil {
		t.Errorf("empty config: %v", err)
	}
}
