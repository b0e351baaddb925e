// Package rules is apimlab's lint rule catalogue: one file per rule
// (apimNNN_name.go), each declaring a *lint.Rule value, with fixtures in
// testdata/APIMNNN/{bad,good}.txtar (see lint/linttest).
//
// To add a rule: write lint/rules/apimNNN_name.go declaring
// `var Name = &lint.Rule{...}`, add fixtures testdata/APIMNNN/bad.txtar and
// good.txtar, insert the variable into All below at its sorted place (one
// line, keep the order), then run `go generate ./lint/...` to refresh
// docs/rules.md. TestCatalogue, TestFixtures and TestRulesDocUpToDate
// check all of that.
package rules

import "github.com/apimlab/apimlab/lint"

//go:generate go run ../internal/gendocs -o ../../docs/rules.md

// All is every rule, sorted by ID. The engine's own rules (APIM900,
// APIM904, APIM905) live in package lint because Run reports them.
var All = []*lint.Rule{
	// 0xx transport and TLS
	TLSValidationDisabled, // APIM001
	PlainHTTPBackend,      // APIM002
	InvalidBackendURL,     // APIM003
	InvalidProtocol,       // APIM004
	PlainHTTPURL,          // APIM005
	SchemaBounds,          // APIM006
	APIVersionTooOld,      // APIM007
	// 1xx pools
	PoolMemberUnknown,   // APIM101
	PoolNested,          // APIM102
	PoolHasURL,          // APIM103
	PoolSize,            // APIM104
	PoolValueOutOfRange, // APIM105
	PoolWeightStarved,   // APIM106
	PoolNoFailover,      // APIM107
	PoolDuplicateMember, // APIM108
	PoolMixedPriority,   // APIM109
	PoolMemberNoBreaker, // APIM110

	// 2xx circuit breakers
	BreakerInvalid,             // APIM201
	BreakerMultipleRules,       // APIM202
	BreakerTwitchy,             // APIM203
	BreakerSluggish,            // APIM204
	BreakerCountsClientErrors,  // APIM205
	BreakerOnPool,              // APIM206
	BreakerRetryAfterUnbounded, // APIM207
	NumericAsString,            // APIM208
	BreakerTripTooLong,         // APIM209
	BreakerUnsupportedTier,     // APIM210

	// 3xx certificates
	CertReferenceUnknown, // APIM301
	CertExpired,          // APIM302
	CertExpiring,         // APIM303
	CertCAMismatch,       // APIM304
	CertNotClientAuth,    // APIM305
	CertNoPrivateKey,     // APIM306
	CertWeak,             // APIM307
	KeyVaultNotSecret,    // APIM308
	KeyVaultVersioned,    // APIM309
	CertByThumbprint,     // APIM310
	CertPasswordInline,   // APIM311
	CertUnreadable,       // APIM312
	ServerCertUntrusted,  // APIM313
	IncompleteChain,      // APIM314
	CertChecksSkipped,    // APIM315
	CADetailsUnsupported, // APIM316
	CAStoreUnsupported,   // APIM317

	// 4xx policies and routing
	BackendIDUnknown,           // APIM401
	BaseURLHardcoded,           // APIM402
	SetBackendServiceInvalid,   // APIM403
	ExpressionInvalid,          // APIM404
	MissingBase,                // APIM405
	UnknownPolicy,              // APIM406
	RetryStorm,                 // APIM407
	ForwardRequestTimeout,      // APIM408
	NamedValueUnknown,          // APIM409
	PolicyMisplaced,            // APIM410
	RetryBodyNotBuffered,       // APIM411
	RequestBodyConsumed,        // APIM412
	BackendIDFromClient,        // APIM413
	PolicyValueInvalid,         // APIM414
	UnknownPolicyAttribute,     // APIM415
	ExpressionNotEvaluated,     // APIM416
	LiquidTemplateInvalid,      // APIM417
	LiquidBodyInReturnResponse, // APIM418
	FragmentUnknown,            // APIM419

	// 5xx secrets
	SecretInline,        // APIM501
	NamedValueNotSecret, // APIM502

	// 9xx input and engine
	lint.InternalError,      // APIM900
	ParseError,              // APIM901
	UnresolvedValue,         // APIM902
	UnknownProperty,         // APIM903
	lint.SuppressionExpired, // APIM904
	lint.SuppressionInvalid, // APIM905
}

// ByID returns the rule of All with the given ID or name
// (case-insensitive), or false.
func ByID(id string) (*lint.Rule, bool) {
	for _, r := range All {
		if equalFold(r.ID, id) || equalFold(r.Name, id) {
			return r, true
		}
	}
	return nil, false
}
