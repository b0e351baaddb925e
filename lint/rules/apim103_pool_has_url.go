package rules

import "github.com/apimlab/apimlab/lint"

// PoolHasURL reports pool backends that carry url or protocol.
var PoolHasURL = &lint.Rule{
	ID:       "APIM103",
	Name:     "pool-has-url",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A pool backend sets url or protocol",
		Why: "A Pool routes to its members' URLs; `url` and `protocol` belong to Single backends. " +
			"Azure rejects a Pool that carries them, so the deployment fails (REST responses return " +
			"them as null for pools).",
		Fix: "Remove `url` and `protocol` from the pool (or set them to null).",
		Bad: `{ "name": "orders-pool", "properties": { "type": "Pool",
    "url": "https://orders.contoso.com", "protocol": "http",
    "pool": { "services": [ { "id": "/backends/orders-1" }, { "id": "/backends/orders-2" } ] } } }`,
		Good: `{ "name": "orders-pool", "properties": { "type": "Pool",
    "pool": { "services": [ { "id": "/backends/orders-1" }, { "id": "/backends/orders-2" } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolHasURL,
}

func checkPoolHasURL(pass *lint.Pass) {
	for _, b := range poolBackends(pass) {
		if b.URL.Known() {
			pass.ReportFixf(b.URL.At(b.Pos), backendSubject(b), "remove url from the pool",
				"pool %q sets url %q; Azure rejects a Pool with a url (its members carry the URLs)",
				b.Name, b.URL.Value)
		}
		if b.Protocol.Known() {
			pass.ReportFixf(b.Protocol.At(b.Pos), backendSubject(b), "remove protocol from the pool",
				"pool %q sets protocol %q; Azure rejects a Pool with a protocol",
				b.Name, b.Protocol.Value)
		}
	}
}
