package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// corpusDir is the shared corpus of real public APIM configurations; the
// foundation issue asks for a table test that walks it.
var corpusDir = filepath.Join("..", "..", "..", "shared", "corpus")

func loadCorpus(t *testing.T, rel string, params ...string) *apim.Service {
	t.Helper()
	p := filepath.Join(corpusDir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var ps []string
	for _, q := range params {
		ps = append(ps, filepath.Join(corpusDir, q))
	}
	svc, err := Load([]string{p}, Options{Parameters: ps})
	if err != nil {
		t.Fatalf("Load(%s): %v", rel, err)
	}
	return svc
}

type backendWant struct {
	name, typ, url string
	members        []string // pool member names with "priority/weight"
	chainOff       bool
	breaker        string // "count/interval/trip"
	headers, query int
}

func checkBackends(t *testing.T, svc *apim.Service, want []backendWant) {
	t.Helper()
	if got := len(svc.Backends); got != len(want) {
		names := []string{}
		for _, b := range svc.Backends {
			names = append(names, b.Name)
		}
		t.Fatalf("%d backends %v, want %d", got, names, len(want))
	}
	for _, w := range want {
		b := svc.Backend(w.name)
		if b == nil {
			t.Errorf("backend %q missing", w.name)
			continue
		}
		if string(b.Type.Value) != w.typ || b.URL.Value != w.url {
			t.Errorf("backend %q = %s %q, want %s %q", w.name, b.Type.Value, b.URL.Value, w.typ, w.url)
		}
		if got := !b.TLS.ValidatesChain(); got != w.chainOff {
			t.Errorf("backend %q chain validation off = %t, want %t", w.name, got, w.chainOff)
		}
		var members []string
		if b.PoolConfig != nil {
			for _, m := range b.PoolConfig.Services {
				members = append(members, m.Name+" "+m.Priority.Raw()+"/"+m.Weight.Raw())
			}
		}
		if got, want := strings.Join(members, ", "), strings.Join(w.members, ", "); got != want {
			t.Errorf("backend %q members = %q, want %q", w.name, got, want)
		}
		br := ""
		if b.CircuitBreaker != nil && len(b.CircuitBreaker.Rules) > 0 {
			r := b.CircuitBreaker.Rules[0]
			br = r.FailureCondition.Count.Raw() + "/" + r.FailureCondition.Interval.Value + "/" + r.TripDuration.Value
		}
		if br != w.breaker {
			t.Errorf("backend %q breaker = %q, want %q", w.name, br, w.breaker)
		}
		if b.Credentials != nil {
			if len(b.Credentials.Header) != w.headers || len(b.Credentials.Query) != w.query {
				t.Errorf("backend %q credentials: %d headers, %d query, want %d, %d", w.name,
					len(b.Credentials.Header), len(b.Credentials.Query), w.headers, w.query)
			}
		} else if w.headers+w.query > 0 {
			t.Errorf("backend %q has no credentials", w.name)
		}
	}
}

func TestCorpusREST(t *testing.T) {
	const base = "rest-api-specs/stable/2024-05-01/examples/"
	const prefix = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/backends/"
	tests := []struct {
		file string
		want []backendWant
	}{
		{"rest-api-specs/preview/2024-06-01-preview/examples/ApiManagementCreateBackendWithWeightedLoadBalancer.json",
			[]backendWant{{name: "weighted-load-balancer", typ: "Pool", members: []string{"backend-1 /75", "backend-2 /25"}}}},
		{base + "ApiManagementCreateBackendWithPriorityBasedLoadBalancer.json",
			[]backendWant{{name: "priority-based-load-balancer", typ: "Pool",
				members: []string{"backend-1 1/", "backend-2 1/", "backend-3 2/", "backend-4 2/"}}}},
		{base + "ApiManagementCreateBackendProxyBackend.json",
			// The request sends tls true/true; the documented response shows
			// false/false. The request is what a user sends.
			[]backendWant{{name: "proxybackend", typ: "Single", url: "https://backendname2644/", chainOff: false, headers: 1, query: 1}}},
		{base + "ApiManagementCreateBackendServiceFabric.json",
			[]backendWant{{name: "sfbackend", typ: "Single", url: "fabric:/mytestapp/mytestservice"}}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			svc := loadCorpus(t, tt.file)
			checkBackends(t, svc, tt.want)
			if len(svc.Issues) != 0 {
				t.Errorf("issues: %v", svc.Issues)
			}
			if b := svc.Backends[0]; b.PoolConfig != nil && !strings.HasPrefix(b.PoolConfig.Services[0].ID.Value, prefix) {
				t.Errorf("member id %q is not the full ARM id", b.PoolConfig.Services[0].ID.Value)
			}
		})
	}
	t.Run("proxy and service fabric details", func(t *testing.T) {
		svc := loadCorpus(t, base+"ApiManagementCreateBackendProxyBackend.json")
		b := svc.Backends[0]
		if b.Proxy == nil || b.Proxy.URL.Value != "http://192.168.1.1:8080" || !b.Proxy.Password.Set {
			t.Errorf("proxy = %+v", b.Proxy)
		}
		if a := b.Credentials.Authorization; a == nil || a.Scheme.Value != "Basic" || !a.Parameter.Literal {
			t.Errorf("authorization = %+v", a)
		}
		if got := len(b.Credentials.Query[0].Values); got != 3 {
			t.Errorf("query sv has %d values, want 3", got)
		}
		sf := loadCorpus(t, base+"ApiManagementCreateBackendServiceFabric.json").Backends[0].ServiceFabric
		if sf == nil || len(sf.ManagementEndpoints) != 1 || sf.MaxPartitionResolutionRetries.Value != 5 || len(sf.ServerX509Names) != 1 {
			t.Errorf("service fabric = %+v", sf)
		}
	})
	t.Run("certificates", func(t *testing.T) {
		svc := loadCorpus(t, base+"ApiManagementCreateCertificateWithKeyVault.json")
		c := svc.Certificate("templateCertkv")
		if c == nil || c.KeyVault == nil || !strings.Contains(c.KeyVault.SecretIdentifier.Value, "/secrets/msitestingCert") {
			t.Fatalf("key vault certificate = %+v", c)
		}
		svc = loadCorpus(t, base+"ApiManagementCreateCertificate.json")
		// The request carries data and password; subject and expiry
		// are in the response only, which is not loaded.
		if c := svc.Certificate("tempcert"); c == nil || !c.Data.Set || !c.Password.Set || c.Subject.Set {
			t.Errorf("certificate = %+v", c)
		}
		if got := svc.FileNotes[filepath.Join(corpusDir, base+"ApiManagementCreateCertificate.json")]; got != "example request" {
			t.Errorf("FileNotes = %v, want the file labelled example request", svc.FileNotes)
		}
	})
	t.Run("operation policy (request body, format rawxml)", func(t *testing.T) {
		svc := loadCorpus(t, base+"ApiManagementCreateApiPolicyNonXmlEncoded.json")
		a := svc.API("echo-api")
		if a == nil || len(a.Operations) != 1 || a.Operations[0].Policy == nil {
			t.Fatalf("api = %+v", a)
		}
		d := a.Operations[0].Policy
		if d.Format != "rawxml" || d.Scope != apim.ScopeOperation || !strings.Contains(d.XML, "h => h.Ke") {
			t.Errorf("policy = %+v", d)
		}
	})
}

func TestCorpusAPIOps(t *testing.T) {
	svc := loadCorpus(t, "apiops/SampleArtifacts")
	checkBackends(t, svc, []backendWant{
		{name: "backend1", typ: "Single", url: "https://httpbin.org"},
		{name: "backend2", typ: "Single", url: "https://postman-echo.com"},
	})
	if nv := svc.NamedValue("environment-name"); nv == nil || nv.Value.Value != "scenario" || nv.Secret.Value {
		t.Errorf("named value = %+v", nv)
	}
	if svc.Policy == nil || svc.Policy.Scope != apim.ScopeGlobal {
		t.Errorf("global policy = %+v", svc.Policy)
	}
	if f := svc.Fragment("policyFragment1"); f == nil || f.Policy == nil {
		t.Errorf("fragment = %+v", f)
	}
	a := svc.API("basic-api")
	if a == nil || a.Policy == nil || len(a.Operations) != 1 || a.Operations[0].Policy == nil {
		t.Errorf("api = %+v", a)
	}
	if p := svc.Product("product1"); p == nil || p.Policy == nil {
		t.Errorf("product = %+v", p)
	}
	if got := len(svc.Policies()); got != 5 {
		t.Errorf("%d policies, want 5", got)
	}
}

func TestCorpusQuickstartARM(t *testing.T) {
	const dir = "quickstarts/quickstarts/microsoft.apimanagement/api-management-create-all-resources/"
	svc := loadCorpus(t, dir+"azuredeploy.json", dir+"azuredeploy.parameters.json")
	if !strings.HasPrefix(svc.Name, "apiservice") {
		t.Errorf("service name = %q", svc.Name)
	}
	if got := len(svc.APIs); got != 3 {
		t.Errorf("%d APIs, want 3", got)
	}
	c := svc.Certificate("exampleCertificate")
	if c == nil || !c.Password.Set || c.Password.Unknown() == "" {
		t.Errorf("certificate password should be set from a parameter without value: %+v", c)
	}
	if p := svc.Product("exampleProduct"); p == nil || len(p.APIs) != 1 || p.APIs[0] != "exampleApi" || p.Policy == nil {
		t.Errorf("product = %+v", p)
	}
	if svc.Policy == nil || !strings.Contains(svc.Policy.XML, "<forward-request />") {
		t.Errorf("global policy from the parameters file = %+v", svc.Policy)
	}
	if op := svc.API("exampleApi"); op == nil || len(op.Operations) != 2 {
		t.Errorf("exampleApi operations = %+v", op)
	}
}

func TestCorpusBicepModule(t *testing.T) {
	svc := loadCorpus(t, "bicep-registry-modules/avm/res/api-management/service/backend/main.json")
	// The module's names come from parameters without values: the
	// backend is kept under placeholder names, not skipped.
	if len(svc.Backends) != 1 || svc.Backends[0].Name != "<name>" || svc.Name != "<apiManagementServiceName>" {
		t.Errorf("service %q, backends %d; want the backend kept as <apiManagementServiceName>/<name>", svc.Name, len(svc.Backends))
	}
	found := false
	for _, is := range svc.Issues {
		if is.Code == apim.Unresolved && strings.Contains(is.Msg, "apiManagementServiceName") && is.Pos.Line > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("no positioned APIM902 issue naming apiManagementServiceName: %v", svc.Issues)
	}
}

func TestCorpusPolicies(t *testing.T) {
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Skipf("corpus not available: %v", err)
	}
	for _, f := range files {
		svc, err := Load([]string{f}, Options{})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := len(svc.Policies()); got != 1 {
			t.Errorf("%s: %d policies, want 1", f, got)
		}
	}
}

func TestCorpusWholeTreeLoads(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not available")
	}
	svc, err := Load([]string{corpusDir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(svc.Backends) < 6 || len(svc.Policies()) < 10 {
		t.Errorf("whole corpus: %d backends, %d policies", len(svc.Backends), len(svc.Policies()))
	}
}
