package apim

import (
	"slices"
	"strings"
)

// SKU is the service's pricing tier and scale, the `sku` object of a
// Microsoft.ApiManagement/service resource (ARM, Bicep, REST and `az apim
// show` JSON; APIOps artifacts carry none).
type SKU struct {
	Pos Position
	// Name is the tier as written ("Developer", "StandardV2"…); see Tier.
	Name Field[string]
	// Capacity is the number of units (0 for Consumption).
	Capacity Field[int]
}

// Tier is an API Management pricing tier, spelled as sku.name spells it.
type Tier string

// The tiers of sku.name in the ARM schemas of Microsoft.ApiManagement/service
// (ApiManagementServiceSkuProperties: 2024-05-01 adds BasicV2 and
// StandardV2, 2025-09-01-preview PremiumV2).
const (
	Consumption Tier = "Consumption"
	Developer   Tier = "Developer"
	Basic       Tier = "Basic"
	Standard    Tier = "Standard"
	Premium     Tier = "Premium"
	Isolated    Tier = "Isolated"
	BasicV2     Tier = "BasicV2"
	StandardV2  Tier = "StandardV2"
	PremiumV2   Tier = "PremiumV2"
)

// Tiers lists every tier, classic tiers first.
var Tiers = []Tier{Consumption, Developer, Basic, Standard, Premium, Isolated, BasicV2, StandardV2, PremiumV2}

// ParseTier returns the tier named s, matched case-insensitively as Azure
// matches enum values; ok is false for any other name.
func ParseTier(s string) (t Tier, ok bool) {
	s = strings.TrimSpace(s)
	i := slices.IndexFunc(Tiers, func(t Tier) bool { return strings.EqualFold(string(t), s) })
	if i < 0 {
		return "", false
	}
	return Tiers[i], true
}

// TierNames is the comma-separated list of tier names, for messages.
func TierNames() string {
	names := make([]string, len(Tiers))
	for i, t := range Tiers {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// V2 reports whether t is one of the v2 tiers (BasicV2, StandardV2,
// PremiumV2).
func (t Tier) V2() bool { return t == BasicV2 || t == StandardV2 || t == PremiumV2 }

// Tier returns the service's tier from its SKU, ok false when the inputs
// hold no service resource or its sku.name is unknown or not a tier.
func (svc *Service) Tier() (t Tier, ok bool) {
	if svc == nil || svc.SKU == nil || !svc.SKU.Name.Known() {
		return "", false
	}
	return ParseTier(svc.SKU.Name.Value)
}
