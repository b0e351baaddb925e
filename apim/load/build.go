package load

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/arm"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// resource is one API Management entity in any input form, normalised:
// Kind is the type below the service ("backends", "apis/operations/policies"),
// Names the matching name segments below the service ([api, op, "policy"]).
type resource struct {
	Kind      string
	Names     []string
	Service   string
	Workspace string
	ID        string
	Node      *jsontree.Value
	Pos       apim.Position
	// resolved and index name the resource in the ARM resolution it came
	// from (release).
	resolved *arm.Result
	index    int
}

// release drops the resource's node once its model is built; for an ARM
// resource, the resolution's node and the resource's declaration in the
// template go too (arm.Result.Release), so that a collection during the
// rest of the build can free them (issue 16).
func (r *resource) release() {
	r.Node = nil
	if r.resolved != nil {
		r.resolved.Release(r.index)
		r.resolved = nil
	}
}

// props returns the resource's "properties" object (or an empty object).
func (r *resource) props() *jsontree.Value {
	if p := r.Node.Get("properties"); p != nil && p.Kind == jsontree.Object {
		return p
	}
	return &jsontree.Value{Kind: jsontree.Object, Pos: jsontree.At(r.Pos)}
}

func (r *resource) name(i int) string {
	if i < len(r.Names) {
		return r.Names[i]
	}
	return ""
}

// builder accumulates resources into a Service.
type builder struct {
	svc *apim.Service
	dec decoder
	// sequential turns off the parallel backend build (tests compare).
	sequential bool
	// building is Options.Building.
	building func(done, steps int)
	// apis and products index the entities by workspace and lower-cased
	// name: templates with thousands of APIs and policies look them up
	// once per resource.
	apis     map[[2]string]*apim.API
	products map[[2]string]*apim.Product
	// env holds the APIOps environment overrides applied to information
	// files (nil when none).
	env *envConfig
}

func newBuilder() *builder {
	b := &builder{svc: &apim.Service{}}
	b.dec.issues = &b.svc.Issues
	return b
}

// splitType turns "Microsoft.ApiManagement/service/workspaces/backends" into
// ("backends", true, workspace=true). ok is false for types outside APIM.
func splitType(typ string) (kind string, workspace bool, ok bool) {
	t := typ
	const ns = "microsoft.apimanagement/"
	if len(t) >= len(ns) && strings.EqualFold(t[:len(ns)], ns) {
		t = t[len(ns):]
	} else {
		return "", false, false
	}
	parts := strings.Split(t, "/")
	if !strings.EqualFold(parts[0], "service") {
		return strings.ToLower(t), false, true
	}
	parts = parts[1:]
	if len(parts) > 0 && strings.EqualFold(parts[0], "workspaces") && len(parts) > 1 {
		workspace = true
		parts = parts[1:]
	}
	if len(parts) == 0 {
		return "service", false, true
	}
	for i := range parts {
		parts[i] = strings.ToLower(parts[i])
	}
	return strings.Join(parts, "/"), workspace, true
}

// idSegments parses an ARM resource id into (types below the service, names).
// "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a/apis/x/policies/policy"
// gives service "a", kinds [apis policies], names [x policy].
func idSegments(id string) (service string, kinds, names []string) {
	i := strings.Index(strings.ToLower(id), "/providers/microsoft.apimanagement/service/")
	if i < 0 {
		return "", nil, nil
	}
	rest := strings.Split(strings.Trim(id[i+len("/providers/microsoft.apimanagement/service/"):], "/"), "/")
	if len(rest) == 0 {
		return "", nil, nil
	}
	service = rest[0]
	for j := 1; j+1 < len(rest); j += 2 {
		kinds = append(kinds, strings.ToLower(rest[j]))
		names = append(names, rest[j+1])
	}
	return service, kinds, names
}

// add routes one resource into the model.
func (b *builder) add(r *resource) {
	switch r.Kind {
	case "service":
		b.service(r)
	case "backends":
		b.backend(r)
	case "certificates":
		b.certificate(r)
	case "namedvalues", "properties":
		b.namedValue(r)
	case "apis":
		b.api(r)
	case "apis/operations":
		b.operation(r)
	case "apiversionsets":
		b.versionSet(r)
	case "apis/policies", "apis/operations/policies", "products/policies", "policies", "policyfragments":
		b.policy(r)
	case "products":
		b.product(r)
	case "products/apis", "products/apilinks":
		b.productLink(r)
	default:
		b.svc.Skipped = append(b.svc.Skipped, apim.SkippedResource{Type: r.Kind, Name: strings.Join(r.Names, "/"), Pos: r.Pos})
	}
}

func (b *builder) service(r *resource) {
	if b.svc.Name == "" {
		b.svc.Name = r.name(0)
		if b.svc.Name == "" {
			b.svc.Name = r.Service
		}
	}
	if !b.svc.Pos.IsValid() {
		// The service resource itself is declared here (the builder may
		// have been named after child resources first).
		b.svc.Pos = r.Pos
	}
	d := &b.dec
	if sku := d.object(r.Node, "sku"); sku != nil {
		b.svc.SKU = mergeSKU(b.svc.SKU, &apim.SKU{Pos: b.dec.at(sku), Name: d.str(sku, "name"), Capacity: d.integer(sku, "capacity")})
	}
	for _, c := range d.array(r.props(), "certificates") {
		ca := &apim.CACertificate{
			Pos:                 b.dec.at(c),
			StoreName:           d.str(c, "storeName"),
			EncodedCertificate:  d.str(c, "encodedCertificate"),
			CertificatePassword: d.str(c, "certificatePassword"),
		}
		if info := d.object(c, "certificate"); info != nil {
			ca.Thumbprint = d.str(info, "thumbprint")
		}
		b.svc.CAStore = append(b.svc.CAStore, ca)
	}
}

func (b *builder) backend(r *resource) {
	d := &b.dec
	p := r.props()
	be := &apim.Backend{
		Name: r.name(0), ID: r.ID, Pos: r.Pos, Workspace: r.Workspace,
		URL:         d.str(p, "url"),
		Protocol:    d.str(p, "protocol"),
		Title:       d.str(p, "title"),
		Description: d.str(p, "description"),
		ResourceID:  d.str(p, "resourceId"),
		AzureRegion: d.str(p, "azureRegion"),
		APIVersion:  d.str(r.Node, "apiVersion"),
	}
	t := d.str(p, "type")
	be.Type = apim.Retyped(t, apim.Single)
	switch {
	case strings.EqualFold(t.Value, "pool"):
		be.Type.Value = apim.Pool
	case t.Known() && !strings.EqualFold(t.Value, "single"):
		d.issue(t.Pos, apim.Malformed, "backend %q: type %q is neither Single nor Pool", be.Name, t.Value)
	}
	if tls := d.object(p, "tls"); tls != nil {
		be.TLS = &apim.TLS{Pos: b.dec.at(tls),
			ValidateCertificateChain:     d.boolean(tls, "validateCertificateChain"),
			ValidateCertificateName:      d.boolean(tls, "validateCertificateName"),
			ServerCertificateThumbprints: d.strList(tls, "serverCertificateThumbprints"),
			ServerX509Names:              b.x509Names(tls),
		}
	}
	if c := d.object(p, "credentials"); c != nil {
		be.Credentials = b.credentials(c)
	}
	if px := d.object(p, "proxy"); px != nil {
		be.Proxy = &apim.Proxy{Pos: b.dec.at(px), URL: d.str(px, "url"), Username: d.str(px, "username"), Password: d.str(px, "password")}
	}
	if sf := d.object(d.object(p, "properties"), "serviceFabricCluster"); sf != nil {
		be.ServiceFabric = &apim.ServiceFabric{Pos: b.dec.at(sf),
			ClientCertificateID:           d.str(sf, "clientCertificateId"),
			ClientCertificateThumbprint:   d.str(sf, "clientCertificatethumbprint"),
			ManagementEndpoints:           d.strList(sf, "managementEndpoints"),
			MaxPartitionResolutionRetries: d.integer(sf, "maxPartitionResolutionRetries"),
			ServerCertificateThumbprints:  d.strList(sf, "serverCertificateThumbprints"),
			ServerX509Names:               b.x509Names(sf),
		}
	}
	if cb := d.object(p, "circuitBreaker"); cb != nil {
		be.CircuitBreaker = b.circuitBreaker(cb)
	}
	if pool := d.object(p, "pool"); pool != nil {
		be.PoolConfig = b.pool(pool)
	}
	d.checkShape(p, backendShape, "properties")
	b.svc.Backends = append(b.svc.Backends, be)
}

func (b *builder) x509Names(obj *jsontree.Value) []apim.X509Name {
	var out []apim.X509Name
	for _, n := range b.dec.array(obj, "serverX509Names") {
		out = append(out, apim.X509Name{Pos: b.dec.at(n), Name: b.dec.str(n, "name"),
			IssuerCertificateThumbprint: b.dec.str(n, "issuerCertificateThumbprint")})
	}
	return out
}

func (b *builder) credentials(c *jsontree.Value) *apim.Credentials {
	d := &b.dec
	cr := &apim.Credentials{Pos: b.dec.at(c),
		CertificateIDs: d.strList(c, "certificateIds"),
		Certificate:    d.strList(c, "certificate"),
		Header:         b.keyValues(c, "header"),
		Query:          b.keyValues(c, "query"),
	}
	if a := d.object(c, "authorization"); a != nil {
		cr.Authorization = &apim.Authorization{Pos: b.dec.at(a), Scheme: d.str(a, "scheme"), Parameter: d.str(a, "parameter")}
	}
	if mi := d.object(c, "managedIdentity"); mi != nil {
		cr.ManagedIdentity = &apim.ManagedIdentity{Pos: b.dec.at(mi), ClientID: d.str(mi, "clientId"), Resource: d.str(mi, "resource")}
	}
	return cr
}

func (b *builder) keyValues(c *jsontree.Value, key string) []apim.KeyValues {
	obj := b.dec.object(c, key)
	if obj == nil {
		return nil
	}
	var out []apim.KeyValues
	for _, m := range obj.Members() {
		kv := apim.KeyValues{Name: m.Key, Pos: m.KeyPos.Position()}
		switch m.Value.Kind {
		case jsontree.Array:
			for _, e := range m.Value.Elems() {
				kv.Values = append(kv.Values, b.dec.strOf(&jsontree.Member{Key: m.Key, KeyPos: m.KeyPos, Value: e}, m.Key))
			}
		default:
			// A single string is accepted by Azure's deserialiser too.
			mm := m
			kv.Values = append(kv.Values, b.dec.strOf(&mm, m.Key))
		}
		out = append(out, kv)
	}
	return out
}

func (b *builder) circuitBreaker(cb *jsontree.Value) *apim.CircuitBreaker {
	d := &b.dec
	out := &apim.CircuitBreaker{Pos: b.dec.at(cb)}
	for _, r := range d.array(cb, "rules") {
		rule := &apim.BreakerRule{Pos: b.dec.at(r),
			Name:             d.str(r, "name"),
			TripDuration:     d.duration(r, "tripDuration"),
			AcceptRetryAfter: d.boolean(r, "acceptRetryAfter"),
			FailureResponse:  b.failureResponse(r),
		}
		if fc := d.object(r, "failureCondition"); fc != nil {
			cond := &apim.FailureCondition{Pos: b.dec.at(fc),
				Count:        d.integer(fc, "count"),
				Percentage:   d.integer(fc, "percentage"),
				Interval:     d.duration(fc, "interval"),
				ErrorReasons: d.strList(fc, "errorReasons"),
			}
			for _, sr := range d.array(fc, "statusCodeRanges") {
				cond.StatusCodeRanges = append(cond.StatusCodeRanges, apim.StatusRange{Pos: b.dec.at(sr),
					Min: d.integer(sr, "min"), Max: d.integer(sr, "max")})
			}
			rule.FailureCondition = cond
		}
		out.Rules = append(out.Rules, rule)
	}
	return out
}

func (b *builder) failureResponse(obj *jsontree.Value) *apim.FailureResponse {
	fr := b.dec.object(obj, "failureResponse")
	if fr == nil {
		return nil
	}
	return &apim.FailureResponse{Pos: b.dec.at(fr), StatusCode: b.dec.integer(fr, "statusCode")}
}

func (b *builder) pool(pool *jsontree.Value) *apim.PoolConfig {
	d := &b.dec
	pc := &apim.PoolConfig{Pos: b.dec.at(pool), FailureResponse: b.failureResponse(pool)}
	for i, s := range d.array(pool, "services") {
		if s.Kind != jsontree.Object && s.Kind != jsontree.Unknown {
			d.issue(s.Position(), apim.Malformed, "services[%d]: expected an object with an id, got %s", i, s.Kind)
			continue
		}
		m := &apim.PoolMember{Pos: b.dec.at(s),
			ID:                      d.str(s, "id"),
			Priority:                d.integer(s, "priority"),
			Weight:                  d.integer(s, "weight"),
			PreferredCarbonEmission: d.str(s, "preferredCarbonEmission"),
		}
		if m.ID.Known() {
			m.Name = MemberName(m.ID.Value)
		}
		pc.Services = append(pc.Services, m)
	}
	if sa := d.object(pool, "sessionAffinity"); sa != nil {
		aff := &apim.SessionAffinity{Pos: b.dec.at(sa)}
		if sid := d.object(sa, "sessionId"); sid != nil {
			aff.SessionIDName, aff.Source = d.str(sid, "name"), d.str(sid, "source")
		}
		pc.SessionAffinity = aff
	}
	return pc
}

// MemberName extracts the backend name from a pool member id: a full ARM id
// ("/subscriptions/…/service/x/backends/b1"), a short "/backends/b1", or a
// bare name. It returns "" when the id names no backend.
func MemberName(id string) string {
	id = strings.TrimRight(strings.TrimSpace(id), "/")
	if id == "" {
		return ""
	}
	low := strings.ToLower(id)
	if i := strings.LastIndex(low, "/backends/"); i >= 0 {
		name := id[i+len("/backends/"):]
		if name == "" || strings.Contains(name, "/") {
			return ""
		}
		return name
	}
	if strings.Contains(id, "/") {
		return ""
	}
	return id
}

func (b *builder) certificate(r *resource) {
	d := &b.dec
	p := r.props()
	c := &apim.Certificate{Name: r.name(0), ID: r.ID, Pos: r.Pos, Workspace: r.Workspace,
		Data: d.str(p, "data"), Password: d.str(p, "password"),
		Thumbprint: d.str(p, "thumbprint"), Subject: d.str(p, "subject"), Expiration: d.str(p, "expirationDate"),
	}
	if kv := d.object(p, "keyVault"); kv != nil {
		c.KeyVault = &apim.KeyVaultRef{Pos: b.dec.at(kv), SecretIdentifier: d.str(kv, "secretIdentifier"),
			IdentityClientID: d.str(kv, "identityClientId")}
	}
	b.svc.Certificates = append(b.svc.Certificates, c)
}

func (b *builder) namedValue(r *resource) {
	d := &b.dec
	p := r.props()
	nv := &apim.NamedValue{Name: r.name(0), Pos: r.Pos, Workspace: r.Workspace,
		DisplayName: d.str(p, "displayName"), Value: d.str(p, "value"), Secret: d.boolean(p, "secret")}
	if kv := d.object(p, "keyVault"); kv != nil {
		nv.KeyVault = &apim.KeyVaultRef{Pos: b.dec.at(kv), SecretIdentifier: d.str(kv, "secretIdentifier"),
			IdentityClientID: d.str(kv, "identityClientId")}
	}
	for _, t := range d.strList(p, "tags") {
		nv.Tags = append(nv.Tags, t.Value)
	}
	b.svc.NamedValues = append(b.svc.NamedValues, nv)
}

func (b *builder) apiNamed(name, ws string, pos apim.Position) *apim.API {
	if b.apis == nil {
		b.apis = map[[2]string]*apim.API{}
	}
	return findOrAdd(b.apis, &b.svc.APIs, ws, name, func() *apim.API { return &apim.API{Name: name, Pos: pos, Workspace: ws} })
}

// findOrAdd returns the entity of index keyed by workspace and lower-cased
// name, creating it with create and appending it to list when absent.
func findOrAdd[T any](index map[[2]string]*T, list *[]*T, ws, name string, create func() *T) *T {
	key := [2]string{ws, strings.ToLower(name)}
	if e := index[key]; e != nil {
		return e
	}
	e := create()
	*list = append(*list, e)
	index[key] = e
	return e
}

func (b *builder) api(r *resource) {
	d := &b.dec
	p := r.props()
	a := b.apiNamed(r.name(0), r.Workspace, r.Pos)
	a.Pos = r.Pos
	a.DisplayName, a.Path, a.ServiceURL = d.str(p, "displayName"), d.str(p, "path"), d.str(p, "serviceUrl")
	a.Protocols = d.strList(p, "protocols")
	a.Type, a.APIRevision, a.IsCurrent = d.str(p, "type"), d.str(p, "apiRevision"), d.boolean(p, "isCurrent")
	a.APIVersion, a.VersionSetID = d.str(p, "apiVersion"), d.str(p, "apiVersionSetId")
	if id := a.VersionSetID.Value; id != "" {
		a.VersionSetID.Value = id[strings.LastIndex(id, "/")+1:]
	}
}

func (b *builder) versionSet(r *resource) {
	d := &b.dec
	p := r.props()
	vs := &apim.VersionSet{Name: r.name(0), Pos: r.Pos}
	vs.Scheme, vs.QueryName, vs.HeaderName = d.str(p, "versioningScheme"), d.str(p, "versionQueryName"), d.str(p, "versionHeaderName")
	b.svc.VersionSets = append(b.svc.VersionSets, vs)
}

func (b *builder) operationNamed(a *apim.API, name string, pos apim.Position) *apim.Operation {
	for _, o := range a.Operations {
		if strings.EqualFold(o.Name, name) {
			return o
		}
	}
	o := &apim.Operation{Name: name, Pos: pos}
	a.Operations = append(a.Operations, o)
	return o
}

func (b *builder) operation(r *resource) {
	d := &b.dec
	p := r.props()
	o := b.operationNamed(b.apiNamed(r.name(0), r.Workspace, r.Pos), r.name(1), r.Pos)
	o.Pos = r.Pos
	o.DisplayName, o.Method, o.URLTemplate = d.str(p, "displayName"), d.str(p, "method"), d.str(p, "urlTemplate")
}

func (b *builder) productNamed(name, ws string, pos apim.Position) *apim.Product {
	if b.products == nil {
		b.products = map[[2]string]*apim.Product{}
	}
	return findOrAdd(b.products, &b.svc.Products, ws, name, func() *apim.Product {
		return &apim.Product{Name: name, Pos: pos, Workspace: ws}
	})
}

func (b *builder) product(r *resource) {
	p := b.productNamed(r.name(0), r.Workspace, r.Pos)
	p.Pos = r.Pos
	p.DisplayName = b.dec.str(r.props(), "displayName")
}

func (b *builder) productLink(r *resource) {
	p := b.productNamed(r.name(0), r.Workspace, r.Pos)
	api := r.name(1)
	if r.Kind == "products/apilinks" {
		if id := b.dec.str(r.props(), "apiId"); id.Known() {
			api = id.Value[strings.LastIndex(id.Value, "/")+1:]
		}
	}
	if api == "" {
		return
	}
	p.APIs = append(p.APIs, api)
	a := b.apiNamed(api, r.Workspace, r.Pos)
	a.Products = append(a.Products, p.Name)
}

// legacyPolicyName reports a policy property written with its legacy name
// (policyContent, contentFormat): an APIM903 issue at the key. The REST
// and ARM references of every current API version list only value and
// format (whose description still reads "Format of the policyContent");
// apimlab reads the legacy name as the current one.
func legacyPolicyName(d *decoder, props *jsontree.Value, legacy, current string, names []string) {
	m := props.Member(legacy)
	if m == nil {
		return
	}
	d.issue(m.KeyPos.Position(), apim.UnknownProperty,
		"policy %s: properties.%s is the legacy name of properties.%s (current API versions list value and format only); apimlab reads it as %s",
		strings.Join(names, "/"), m.Key, current, current)
}

// policy attaches a policy (or fragment) resource to its owner.
func (b *builder) policy(r *resource) {
	d := &b.dec
	p := r.props()
	val := d.str(p, "value")
	if !val.Set {
		legacyPolicyName(d, p, "policyContent", "value", r.Names)
		val = d.str(p, "policyContent")
	}
	format := d.str(p, "format")
	if !format.Set {
		legacyPolicyName(d, p, "contentFormat", "format", r.Names)
		format = d.str(p, "contentFormat")
	}
	doc := &apim.PolicyDoc{Format: strings.ToLower(format.Or("xml")), XML: val.Value, Pos: val.At(r.Pos), Embedded: true}
	if e := val.Expr(); e != "" && r.resolved != nil {
		// A policy kept in a template variable ("value":
		// "[variables('policy')]"): its XML is written in the variable,
		// so places inside it are found there.
		if v := r.resolved.Resources[r.index].VariableText(e); v != nil && v.Str == val.Value {
			doc.Pos = v.PositionWithPath()
		}
	}
	switch {
	case !val.Set:
		d.issue(r.Pos, apim.Malformed, "policy %s has no value", strings.Join(r.Names, "/"))
	case val.Unknown() != "":
		d.issue(val.Pos, apim.Unresolved, "policy %s: value could not be resolved: %s", strings.Join(r.Names, "/"), val.Unknown())
		doc.XML = ""
	case strings.HasSuffix(doc.Format, "-link"):
		d.issue(val.Pos, apim.Unresolved, "policy %s is linked (%s: %s); linked policies are not fetched, so it was not checked",
			strings.Join(r.Names, "/"), doc.Format, val.Value)
		doc.XML = ""
	}
	switch r.Kind {
	case "policies":
		doc.Scope, doc.Owner = apim.ScopeGlobal, "global"
		b.svc.Policy = doc
	case "products/policies":
		doc.Scope, doc.Owner = apim.ScopeProduct, r.name(0)
		b.productNamed(r.name(0), r.Workspace, r.Pos).Policy = doc
	case "apis/policies":
		doc.Scope, doc.Owner = apim.ScopeAPI, r.name(0)
		b.apiNamed(r.name(0), r.Workspace, r.Pos).Policy = doc
	case "apis/operations/policies":
		doc.Scope, doc.Owner = apim.ScopeOperation, r.name(0)+"/"+r.name(1)
		b.operationNamed(b.apiNamed(r.name(0), r.Workspace, r.Pos), r.name(1), r.Pos).Policy = doc
	case "policyfragments":
		doc.Scope, doc.Owner = apim.ScopeFragment, r.name(0)
		b.svc.Fragments = append(b.svc.Fragments, &apim.Fragment{Name: r.name(0), Pos: r.Pos, Policy: doc,
			Description: d.str(p, "description"), Workspace: r.Workspace})
	}
}
