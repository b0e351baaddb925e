package rules

import "github.com/apimlab/apimlab/lint"

// policyRules are the policy and secret rules of this package (APIM4xx,
// APIM5xx).
var policyRules = []*lint.Rule{
	BackendIDUnknown, BaseURLHardcoded, SetBackendServiceInvalid, ExpressionInvalid,
	MissingBase, UnknownPolicy, RetryStorm, ForwardRequestTimeout, NamedValueUnknown,
	PolicyMisplaced, SecretInline, NamedValueNotSecret,
}

// Their findings on the shared corpus are pinned, with the review of each,
// in testdata/corpus.golden (TestCorpusGolden).
