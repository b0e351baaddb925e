package arm

import (
	"os"
	"strings"
	"testing"

	model "github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

const corpus = "../../../shared/corpus/"

func corpusFile(t *testing.T, rel string) *jsontree.Value {
	t.Helper()
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("shared corpus not available")
	}
	return load(t, corpus+rel)
}

func TestCorpusQuickstartAllResources(t *testing.T) {
	const dir = "quickstarts/quickstarts/microsoft.apimanagement/api-management-create-all-resources/"
	root := corpusFile(t, dir+"azuredeploy.json")
	res := Resolve(dir+"azuredeploy.json", root, loadParams(t, corpus+dir+"azuredeploy.parameters.json"))
	if len(res.Resources) != 23 {
		t.Errorf("got %d resources, want 23:\n%s", len(res.Resources), strings.Join(names(res), "\n"))
	}
	svc := res.Resources[0]
	if !strings.HasPrefix(svc.Name, "apiservice") || len(svc.Name) != len("apiservice")+13 {
		t.Errorf("service name = %q, want apiservice + uniqueString", svc.Name)
	}
	if got := prop(svc, "sku", "name"); got != `"Standard"` {
		t.Errorf("sku = %s", got)
	}
	if got := prop(svc, "properties", "publisherEmail"); got != `"email@example.com"` {
		t.Errorf("publisherEmail = %s", got)
	}
	pol := find(t, res, "Microsoft.ApiManagement/service/apis/operations/policies", svc.Name+"/exampleApi/exampleOperationsGET/policy")
	if got := prop(pol, "properties", "value"); !strings.Contains(got, "<forward-request />") {
		t.Errorf("operation policy = %s", got)
	}
	cert := find(t, res, "Microsoft.ApiManagement/service/certificates", svc.Name+"/exampleCertificate")
	pw := cert.Node.Lookup("properties", "password")
	if pw.Kind != jsontree.Unknown || pw.Origin != jsontree.SecureParameter {
		t.Errorf("certificate password = %s origin %v, want unknown secure", render(pw), pw.Origin)
	}
	var unresolved []string
	for _, is := range res.Issues {
		if is.Code != model.Unresolved {
			t.Errorf("unexpected issue %s %s", is.Code, is)
		}
		unresolved = append(unresolved, is.Msg)
	}
	for _, p := range []string{"mutualAuthenticationCertificate", "certificatePassword", "openIdConnectClientSecret", "eventHubNamespaceConnectionString"} {
		if !strings.Contains(strings.Join(unresolved, "\n"), `parameter "`+p+`" has no value`) {
			t.Errorf("no issue for secure parameter %s: %v", p, unresolved)
		}
	}
}

func TestCorpusAVMBackend(t *testing.T) {
	const file = "bicep-registry-modules/avm/res/api-management/service/backend/main.json"
	root := corpusFile(t, file)
	res := Resolve(file, root, Params{
		"apiManagementServiceName": strVal("apim"),
		"name":                     strVal("orders"),
		"url":                      strVal("https://orders.example.com"),
	})
	want := []string{
		"Microsoft.Resources/deployments 46d3xbcp.res.apimgmt-backend.--------." + fnUniqueStringText("deployment")[:4],
		"Microsoft.ApiManagement/service/backends apim/orders",
	}
	if got := names(res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("resources:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	be := find(t, res, "Microsoft.ApiManagement/service/backends", "apim/orders")
	for path, want := range map[string]string{
		"url":                          `"https://orders.example.com"`,
		"protocol":                     `"http"`,
		"type":                         `"Single"`,
		"tls.validateCertificateChain": `true`,
		"credentials":                  `null`,
	} {
		if got := prop(be, append([]string{"properties"}, strings.Split(path, ".")...)...); got != want {
			t.Errorf("properties.%s = %s, want %s", path, got, want)
		}
	}
	if len(res.Issues) != 0 {
		t.Errorf("issues: %v", res.Issues)
	}

	pool := Resolve(file, root, Params{
		"apiManagementServiceName": strVal("apim"), "name": strVal("pool"), "type": strVal("Pool"),
		"pool": objVal([]jsontree.Member{member("services", arrVal(nil))}), "enableTelemetry": boolVal(false),
	})
	if len(pool.Resources) != 1 || prop(pool.Resources[0], "properties", "pool") != `{"services":[]}` || prop(pool.Resources[0], "properties", "url") != "<missing>" {
		t.Errorf("pool variant: %v %s", names(pool), render(pool.Resources[0].Node))
	}
}

func fnUniqueStringText(s string) string { return fnUniqueString(nil, nil, []*value{strVal(s)}).Str }

func TestCorpusSessionAwareness(t *testing.T) {
	const file = "ai-gateway/labs/session-awareness/main.json"
	root := corpusFile(t, file)
	params := Params{
		"apimSku":   strVal("Basicv2"),
		"policyXml": strVal(`<policies><inbound><set-backend-service backend-id="{backend-id}" /></inbound></policies>`),
		"aiServicesConfig": arrVal([]*value{
			objVal([]jsontree.Member{member("name", strVal("foundry1")), member("location", strVal("uksouth")), member("priority", intVal(1)), member("weight", intVal(100))}),
			objVal([]jsontree.Member{member("name", strVal("foundry2")), member("location", strVal("swedencentral")), member("priority", intVal(2)), member("weight", intVal(50))}),
		}),
	}
	res := Resolve(file, root, params)
	apim := "apim-" + fnUniqueStringText(fnSubscription(nil, nil, nil).Get("id").Str+"-"+fnResourceGroup(nil, nil, nil).Get("id").Str)
	const backends = "Microsoft.ApiManagement/service/backends"
	for _, n := range []string{"foundry1", "foundry2"} {
		be := find(t, res, backends, apim+"/"+n)
		if be.Deployment != "inferenceAPIModule" {
			t.Errorf("%s deployment = %q", n, be.Deployment)
		}
		if got := prop(be, "properties", "protocol"); got != `"http"` {
			t.Errorf("%s protocol = %s", n, got)
		}
		// The endpoint comes from reference() to a Cognitive Services account.
		if url := be.Node.Lookup("properties", "url"); url.Kind != jsontree.Unknown || !strings.Contains(url.Reason(), "needs a live deployment") {
			t.Errorf("%s url = %s, want unknown", n, render(url))
		}
	}
	pool := find(t, res, backends, apim+"/inference-backend-pool")
	if got := prop(pool, "properties", "pool"); got != `{"services":[{"id":"/backends/foundry1","priority":1,"weight":100},{"id":"/backends/foundry2","priority":2,"weight":50}]}` {
		t.Errorf("pool = %s", got)
	}
	pol := find(t, res, "Microsoft.ApiManagement/service/apis/policies", apim+"/AzureOpenAI/policy")
	if got := prop(pol, "properties", "value"); !strings.Contains(got, `backend-id=\"inference-backend-pool\"`) {
		t.Errorf("policy = %s", got)
	}
	for _, is := range res.Issues {
		if is.Code != model.Unresolved {
			t.Errorf("unexpected issue %s %s", is.Code, is)
		}
	}

	// Without parameters the module still resolves: the pool is dropped by
	// its condition (no AI services by default) and the policy is unknown.
	bare := Resolve(file, root, nil)
	pol = find(t, bare, "Microsoft.ApiManagement/service/apis/policies", apim+"/AzureOpenAI/policy")
	if v := pol.Node.Lookup("properties", "value"); v.Kind != jsontree.Unknown {
		t.Errorf("policy without parameters = %s, want unknown", render(v))
	}
}
