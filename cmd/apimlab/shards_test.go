package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/gateway"
	"github.com/apimlab/apimlab/sim"
)

// deployment starts the embedded gateway on loopback in front of two
// plain-HTTP fakes (a pool, weights 3:1): the "real deployment" a --target
// run loads. The gateway tags responses with x-apimlab-backend.
func deployment(t *testing.T) string {
	t.Helper()
	var urls []string
	for _, name := range []string{"east", "west"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, `{"backend":%q}`, name)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	cfg := fmt.Sprintf(`{"value": [
  {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/shop/backends/east", "type": "Microsoft.ApiManagement/service/backends", "name": "east", "properties": {"url": %q, "protocol": "http"}},
  {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/shop/backends/west", "type": "Microsoft.ApiManagement/service/backends", "name": "west", "properties": {"url": %q, "protocol": "http"}},
  {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/shop/backends/pool", "type": "Microsoft.ApiManagement/service/backends", "name": "pool", "properties": {"type": "Pool", "pool": {"services": [{"id": "/backends/east", "priority": 1, "weight": 3}, {"id": "/backends/west", "priority": 1, "weight": 1}]}}},
  {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/shop/apis/shop", "type": "Microsoft.ApiManagement/service/apis", "name": "shop", "properties": {"displayName": "shop", "path": "shop", "protocols": ["https"]}},
  {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/shop/apis/shop/operations/get", "type": "Microsoft.ApiManagement/service/apis/operations", "name": "get", "properties": {"displayName": "get", "method": "GET", "urlTemplate": "/{*rest}"}},
  {"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/shop/apis/shop/policies/policy", "type": "Microsoft.ApiManagement/service/apis/policies", "name": "policy", "properties": {"format": "rawxml", "value": "<policies><inbound><base /><set-backend-service backend-id=\"pool\" /></inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>"}}
]}`, urls[0], urls[1])
	path := filepath.Join(t.TempDir(), "deployment.json")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	svc, err := load.Load([]string{path}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(svc, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		gw.Close()
	})
	return "http://" + ln.Addr().String()
}

func TestShardedTargetRun(t *testing.T) {
	target := deployment(t)
	dir := t.TempDir()
	scenario := filepath.Join(dir, "load.yaml")
	if err := os.WriteFile(scenario, []byte("name: shop load\nconfig: nowhere.json\nload:\n  - path: /shop/items\n    phases:\n      - {name: warm, duration: 1s, rate: 300}\n      - {name: peak, duration: 2s, rate: 600}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("APIMLAB_TEST_KEY", "s3cr3t-subscription-key")
	simArgs := func(out string, extra ...string) []string {
		return append([]string{"sim", scenario, "--target", target, "--out", out, "--format", "json", "--header-env", "Ocp-Apim-Subscription-Key=APIMLAB_TEST_KEY"}, extra...)
	}
	// Three shards, started together.
	var wg sync.WaitGroup
	errs := make([]string, 3)
	start := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, out, errOut := runCLI(t, simArgs(filepath.Join(dir, fmt.Sprintf("shard%d", i)), "--shard", fmt.Sprintf("%d/3", i), "--start-at", start)...)
			if code != 0 {
				errs[i] = fmt.Sprintf("shard %d: exit %d\n%s\n%s", i, code, out, errOut)
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	shardFiles := []string{filepath.Join(dir, "shard0", "result.json"), filepath.Join(dir, "shard1", "result.json"), filepath.Join(dir, "shard2", "result.json")}
	merged := filepath.Join(dir, "merged.json")
	if code, _, errOut := runCLI(t, append(append([]string{"report", "merge"}, shardFiles...), "-o", merged)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	// One unsharded run at the same rates.
	if code, out, errOut := runCLI(t, simArgs(filepath.Join(dir, "whole"))...); code != 0 {
		t.Fatalf("unsharded run: exit %d\n%s\n%s", code, out, errOut)
	}
	m, err := sim.ReadResult(merged)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.ReadResult(filepath.Join(dir, "whole", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range w.Phases {
		q := m.Phases[i]
		if d := int(p.Requests) - int(q.Requests); d < -3 || d > 3 {
			t.Errorf("phase %s: unsharded %d requests, merged %d (want within 1 per shard)", p.Name, p.Requests, q.Requests)
		}
		east := func(p sim.PhaseResult) float64 { return float64(p.Served["east"]) / float64(p.Requests) }
		if d := east(p) - east(q); d < -0.03 || d > 0.03 {
			t.Errorf("phase %s: east's share unsharded %.3f, merged %.3f", p.Name, east(p), east(q))
		}
		if p.Status["200"] != p.Requests || q.Status["200"] != q.Requests {
			t.Errorf("phase %s: statuses %v / %v", p.Name, p.Status, q.Status)
		}
	}
	if len(m.Run.Shards) != 3 || m.Run.Skew.D() > time.Second {
		t.Errorf("shards %d, skew %s", len(m.Run.Shards), m.Run.Skew)
	}
	// The key came from the environment and went nowhere else.
	for _, f := range append(shardFiles, merged) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "s3cr3t-subscription-key") {
			t.Errorf("%s holds the subscription key", f)
		}
	}

	// A shard that starts late is flagged, and the merge says so.
	late := filepath.Join(dir, "late")
	past := time.Now().Add(-5 * time.Second).UTC().Format(time.RFC3339Nano)
	if code, out, errOut := runCLI(t, simArgs(late, "--shard", "1/3", "--start-at", past)...); code != 0 {
		t.Fatalf("late shard: exit %d\n%s\n%s", code, out, errOut)
	}
	lr, err := sim.ReadResult(filepath.Join(late, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	if lr.Run.Shard == nil || !lr.Run.Shard.Late {
		t.Errorf("the late shard is not marked late: %+v", lr.Run.Shard)
	}
	code, _, errOut := runCLI(t, "report", "merge", shardFiles[0], filepath.Join(late, "result.json"), shardFiles[2], "-o", filepath.Join(dir, "m2.json"))
	if code != 0 || !strings.Contains(errOut, "late") {
		t.Errorf("merge with a late shard: exit %d, stderr %s", code, errOut)
	}
	// Duplicate and missing shards are refused.
	if code, _, errOut := runCLI(t, "report", "merge", shardFiles[0], shardFiles[0], shardFiles[2], "-o", filepath.Join(dir, "m3.json")); code != 2 || !strings.Contains(errOut, "twice") {
		t.Errorf("duplicate shard: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "report", "merge", shardFiles[0], shardFiles[1], "-o", filepath.Join(dir, "m4.json")); code != 2 || !strings.Contains(errOut, "missing") {
		t.Errorf("missing shard: exit %d, %s", code, errOut)
	}
	// Faults cannot act on a deployment.
	faulty := filepath.Join(dir, "faulty.yaml")
	if err := os.WriteFile(faulty, []byte("name: f\nconfig: nowhere.json\nbackends:\n  east:\n    faults: [{kind: reset}]\nload:\n  - path: /shop/a\n    phases: [{name: p, duration: 1s, rate: 1}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "sim", faulty, "--target", target, "--out", filepath.Join(dir, "f")); code != 2 || !strings.Contains(errOut, "not on a real deployment") {
		t.Errorf("faults against a target: exit %d, %s", code, errOut)
	}
}
