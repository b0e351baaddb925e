package rules

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
)

// policyRules are the policy and secret rules of this package (APIM4xx,
// APIM5xx).
var policyRules = []*lint.Rule{
	BackendIDUnknown, BaseURLHardcoded, SetBackendServiceInvalid, ExpressionInvalid,
	MissingBase, UnknownPolicy, RetryStorm, ForwardRequestTimeout, NamedValueUnknown,
	PolicyMisplaced, SecretInline, NamedValueNotSecret,
}

const policyCorpusDir = "../../../shared/corpus"

// corpusPolicyFindings pins what the policy and secret rules report on the
// shared corpus ("file:line:col ID"). Every entry was reviewed; none is a
// false positive:
var corpusPolicyFindings = []string{
	// APIM402: the snippet routes by region to hard-coded URLs; the finding
	// (declare backends, route by backend-id) is the advice it deserves.
	"policy-snippets/examples/Route requests to regional backend instances.xml:14:38 APIM402",
	"policy-snippets/examples/Route requests to regional backend instances.xml:17:38 APIM402",
	"policy-snippets/examples/Route requests to regional backend instances.xml:20:38 APIM402",

	// APIM405: sections of API, operation and product policies without
	// <base/>. The APIOps sample's product, API and operation all drop the
	// global inbound/outbound/on-error policies (its global policy.xml sets
	// headers that these scopes then never run); the snippet's inbound
	// drops the outer inbound; the quickstart's parameters file gives every
	// scope an empty <inbound> without <base/> (the finding points at the
	// template value "[parameters('…Policy')]" the XML comes from). The
	// <backend> sections that hold their own forward-request are exempt.
	"apiops/SampleArtifacts/apis/basic-api/operations/get-items/policy.xml:2:2 APIM405",
	"apiops/SampleArtifacts/apis/basic-api/operations/get-items/policy.xml:11:2 APIM405",
	"apiops/SampleArtifacts/apis/basic-api/operations/get-items/policy.xml:12:2 APIM405",
	"apiops/SampleArtifacts/apis/basic-api/policy.xml:2:2 APIM405",
	"apiops/SampleArtifacts/apis/basic-api/policy.xml:14:2 APIM405",
	"apiops/SampleArtifacts/apis/basic-api/policy.xml:15:2 APIM405",
	"apiops/SampleArtifacts/products/product1/policy.xml:2:2 APIM405",
	"apiops/SampleArtifacts/products/product1/policy.xml:11:2 APIM405",
	"apiops/SampleArtifacts/products/product1/policy.xml:12:2 APIM405",
	"policy-snippets/examples/Random load balancer simpler.policy.xml:5:5 APIM405",
	"quickstarts/quickstarts/microsoft.apimanagement/api-management-create-all-resources/azuredeploy.json:192:30 APIM405",
	"quickstarts/quickstarts/microsoft.apimanagement/api-management-create-all-resources/azuredeploy.json:225:34 APIM405",
	"quickstarts/quickstarts/microsoft.apimanagement/api-management-create-all-resources/azuredeploy.json:266:34 APIM405",

	// APIM409: the APIOps sample references {{allowed-ip-address}}, but its
	// "named values" folder only defines environment-name: publishing these
	// artifacts to an empty instance fails.
	"apiops/SampleArtifacts/apis/basic-api/operations/get-items/policy.xml:6:45 APIM409",
	"apiops/SampleArtifacts/policy fragments/policyFragment1/policy.xml:7:10 APIM409",

	// APIM501: the REST example writes the backend's query and header
	// credentials, the Basic authorization parameter and the proxy password
	// as literals (one finding per value).
	"rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateBackendProxyBackend.json:97:17 APIM501",
	"rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateBackendProxyBackend.json:98:17 APIM501",
	"rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateBackendProxyBackend.json:99:17 APIM501",
	"rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateBackendProxyBackend.json:104:17 APIM501",
	"rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateBackendProxyBackend.json:105:17 APIM501",
	"rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateBackendProxyBackend.json:110:28 APIM501",
	"rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateBackendProxyBackend.json:116:25 APIM501",

	// Not reported, on purpose: the ai-gateway labs set backend-id="{backend-id}"
	// (a deploy-time placeholder: APIM401 skips it, and with no backend
	// loaded APIM407 cannot know the retry's target); the policy
	// expressions that use lambdas, IResponse casts or byte arrays are valid
	// C# outside the emulated subset (not APIM404); the policy snippets'
	// {{named values}} come with no named values loaded (APIM409 skips).
}

// TestPolicyRulesCorpus runs the policy and secret rules on every
// top-level folder of the shared corpus, each loaded as one input the way a
// user lints a repository (ARM templates, REST exports, APIOps artifacts
// and loose policy files together). No rule may panic (a panic becomes an
// APIM900 finding, which is not in the pinned list), and the findings must
// be exactly the reviewed ones.
func TestPolicyRulesCorpus(t *testing.T) {
	root, err := filepath.Abs(policyCorpusDir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var got []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		svc, err := load.Load([]string{filepath.Join(root, e.Name())}, load.Options{})
		if err != nil {
			continue // a folder without APIM configuration (JSON schemas)
		}
		res := lint.Run(svc, policyRules, nil, lint.RunOptions{})
		for _, fd := range res.Findings {
			rel, _ := filepath.Rel(root, fd.Pos.File)
			line := filepath.ToSlash(rel) + ":" + strconv.Itoa(fd.Pos.Line) + ":" + strconv.Itoa(fd.Pos.Col) + " " + fd.Rule
			got = append(got, line)
			t.Logf("%s %s", line, fd.Message)
		}
	}
	slices.Sort(got)
	want := slices.Clone(corpusPolicyFindings)
	slices.Sort(want)
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("new finding on the corpus (review it, then pin it): %s", g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("pinned finding no longer reported: %s", w)
		}
	}
}
