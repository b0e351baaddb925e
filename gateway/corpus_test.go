package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/apim/routing"
)

// corpusDir is the shared corpus of real public APIM configurations.
var corpusDir = filepath.Join("..", "..", "shared", "corpus")

// corpusAllowUnemulated lists the corpus files that need --allow-unemulated,
// with the policies docs/parity.md marks "not yet" that they use.
var corpusAllowUnemulated = map[string]string{}

// TestCorpusRoutes starts the gateway on every corpus file (and APIOps
// folder) that holds an API and sends one
// request per operation: none may be refused for routing reasons
// (ApiNotFound, OperationNotFound). Backends are not dialled (no network):
// their calls fail with BackendConnectionFailure, which is not a routing
// refusal.
func TestCorpusRoutes(t *testing.T) {
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "arm-schemas" {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, ".parameters.json") || strings.HasSuffix(p, ".xml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Skipf("corpus not available: %v", err)
	}
	// APIOps artifact folders hold their APIs in several files.
	files = append(files, filepath.Join(corpusDir, "apiops", "SampleArtifacts"))
	noNetwork := func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("no network in tests") }
	started := 0
	for _, f := range files {
		rel, _ := filepath.Rel(corpusDir, f)
		svc, err := load.Load([]string{f}, load.Options{})
		if err != nil || len(svc.APIs) == 0 {
			continue
		}
		fillNamedValues(svc)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			_, allow := corpusAllowUnemulated[filepath.ToSlash(rel)]
			g, err := New(svc, Options{DialContext: noNetwork, AllowUnemulated: allow})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer g.Close()
			started++
			for _, req := range corpusRequests(svc) {
				rec := httptest.NewRecorder()
				g.ServeHTTP(rec, req)
				switch reason := rec.Header().Get(HeaderReason); reason {
				case ReasonAPINotFound, ReasonOperationNotFound:
					t.Errorf("%s %s: %d %s", req.Method, req.URL, rec.Code, reason)
				}
			}
		})
	}
	if started < 4 {
		t.Errorf("only %d corpus configurations started", started)
	}
}

// corpusRequests builds one request per operation (an API without
// operations gets one request at its path).
func corpusRequests(svc *apim.Service) []*http.Request {
	var out []*http.Request
	for _, a := range svc.APIs {
		prefix := routing.Prefix(a.Path.Value)
		if len(a.Operations) == 0 {
			out = append(out, mustRequest("GET", prefix+"/"))
		}
		for _, o := range a.Operations {
			out = append(out, mustRequest(o.Method.Or("GET"), prefix+fillTemplate(o.URLTemplate.Or("/"))))
		}
	}
	return out
}

// fillTemplate replaces template parameters by sample values.
func fillTemplate(t string) string {
	t, _, _ = strings.Cut(t, "?")
	segs := strings.Split(t, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") || s == "*" {
			segs[i] = "x1"
		}
	}
	return strings.Join(segs, "/")
}

func mustRequest(method, path string) *http.Request {
	r, err := http.NewRequest(method, "http://gateway.test"+path, nil)
	if err != nil {
		panic(err)
	}
	return r
}

// namedValueRE finds {{name}} references.
var namedValueRE = regexp.MustCompile(`\{\{([^{}]+)\}\}`)

// fillNamedValues defines the named values the corpus copy references but
// does not carry (the APIOps sample's "allowed-ip-address" lives outside
// the copied files), as 127.0.0.1: a value that is valid as text and as an
// IP address. Azure refuses such a policy, so without this the test would
// stop on a configuration error that has nothing to do with routing.
func fillNamedValues(svc *apim.Service) {
	for _, d := range svc.Policies() {
		for _, m := range namedValueRE.FindAllStringSubmatch(d.XML, -1) {
			name := strings.TrimSpace(m[1])
			if svc.NamedValue(name) == nil {
				svc.NamedValues = append(svc.NamedValues, &apim.NamedValue{Name: name, Value: apim.Field[string]{Value: "127.0.0.1", Set: true}})
			}
		}
	}
}
