package apim

import "time"

// Service is one API Management instance: everything the loaders found in
// the inputs, resolved, with positions. A Service may be partial (an APIOps
// folder with only backends, a lone policy file).
type Service struct {
	// Name is the service name ("" when the inputs never name it). A name
	// built from a parameter without a value is a placeholder such as
	// "<apimName>".
	Name string
	Pos  Position
	// Root is the folder (or file) the service's entities were loaded from
	// when the inputs do not name the service: an APIOps artifact root, the
	// folder of standalone policy files. Label uses it.
	Root string
	// Environment is the APIOps environment whose configuration.<env>.yaml
	// overrides were applied ("" when none was).
	Environment string
	// SKU is the service resource's sku; nil when the inputs hold no
	// service resource with one (APIOps, lone child resources). Tier reads it.
	SKU *SKU
	// Coverage says which entity kinds the inputs hold in full, so that a
	// reference to an entity outside the files given is not called
	// dangling.
	Coverage Coverage
	// FileNotes labels findings in some files: "example request" for the
	// request body of a REST API example. Keyed by file path.
	FileNotes map[string]string
	// Parameters are the parameters of the ARM templates loaded, with the
	// value each had (Parameter looks one up).
	Parameters []*TemplateParameter
	// SecureValues are values the inputs mark secret that the model holds
	// nowhere else (the value a parameters file gives a secureString
	// parameter). Secrets includes them; nothing may print them.
	SecureValues []string
	// Sources lists the files that were loaded, in load order.
	Sources []string
	// Backends in declaration order; use Backend(name) to look one up.
	Backends []*Backend
	// Certificates are the `certificates` entities (client certificates).
	Certificates []*Certificate
	// CAStore is the service's CA certificate store (properties.certificates[]).
	CAStore []*CACertificate
	// NamedValues are the `namedValues` entities.
	NamedValues []*NamedValue
	// APIs in declaration order.
	APIs []*API
	// Products in declaration order.
	Products []*Product
	// VersionSets are the `apiVersionSets` entities.
	VersionSets []*VersionSet
	// Fragments are the policy fragments.
	Fragments []*Fragment
	// Policy is the global (service-scope) policy, or nil.
	Policy *PolicyDoc
	// Standalone holds policy files loaded on their own (not attached to
	// an API or product by the input); they are checked as API-scope policies.
	Standalone []*PolicyDoc
	// Workspaces holds workspace-scoped entities (APIOps `workspaces/`,
	// ARM `service/workspaces/*`). Names are "workspace/entity".
	Workspaces []string
	// Issues are what the loaders could not load or resolve: malformed
	// input, unresolved values, unknown properties, unknown resource
	// kinds, each with its Code and Kind. Lint reports them as findings.
	Issues []*Error
	// Skipped lists resources of kinds the model does not hold (diagnostics,
	// loggers…), so `inspect` can say what it ignored.
	Skipped []SkippedResource

	index lookupIndex
}

// SkippedResource is a resource the model has no place for.
type SkippedResource struct {
	Type string
	Name string
	Pos  Position
}

// BackendType is Single (a URL) or Pool (a load-balanced set of backends).
type BackendType string

// The backend types. Azure's default when `type` is absent is Single.
const (
	Single BackendType = "Single"
	Pool   BackendType = "Pool"
)

// Backend is a `Microsoft.ApiManagement/service/backends` entity.
type Backend struct {
	// Name is the backend id (the last segment of the resource name).
	Name string
	// ID is the ARM resource id when known ("/subscriptions/…/backends/name").
	ID  string
	Pos Position
	// Type is Single (default) or Pool.
	Type        Field[BackendType]
	URL         Field[string]
	Protocol    Field[string]
	Title       Field[string]
	Description Field[string]
	ResourceID  Field[string]
	AzureRegion Field[string]
	// APIVersion is the apiVersion of the ARM resource that declares the
	// backend (the schema Azure validates it against); unset for REST, az
	// and APIOps inputs, which carry none.
	APIVersion     Field[string]
	TLS            *TLS
	Credentials    *Credentials
	Proxy          *Proxy
	ServiceFabric  *ServiceFabric
	CircuitBreaker *CircuitBreaker
	PoolConfig     *PoolConfig
	// Workspace is the workspace that owns the backend, "" for the service.
	Workspace string
}

// IsPool reports whether the backend is a load-balanced pool.
func (b *Backend) IsPool() bool { return b.Type.Value == Pool }

// TLS are the backend's TLS settings. Both flags default to true in Azure.
type TLS struct {
	Pos                          Position
	ValidateCertificateChain     Field[bool]
	ValidateCertificateName      Field[bool]
	ServerCertificateThumbprints []Field[string]
	ServerX509Names              []X509Name
}

// ValidatesChain reports the effective chain-validation flag (default true).
func (t *TLS) ValidatesChain() bool { return t == nil || t.ValidateCertificateChain.Or(true) }

// ValidatesName reports the effective name-validation flag (default true).
func (t *TLS) ValidatesName() bool { return t == nil || t.ValidateCertificateName.Or(true) }

// X509Name is a server X.509 name with its issuer thumbprint.
type X509Name struct {
	Pos                         Position
	Name                        Field[string]
	IssuerCertificateThumbprint Field[string]
}

// Credentials are what the gateway adds to every call to the backend.
type Credentials struct {
	Pos Position
	// CertificateIDs reference `certificates` entities (preferred).
	CertificateIDs []Field[string]
	// Certificate holds client certificate thumbprints; ignored by Azure
	// when CertificateIDs is present.
	Certificate []Field[string]
	// Header maps a header name to its values.
	Header []KeyValues
	// Query maps a query parameter name to its values.
	Query         []KeyValues
	Authorization *Authorization
	// ManagedIdentity is used in the wild though absent from the schema.
	ManagedIdentity *ManagedIdentity
}

// KeyValues is one header or query parameter with its values.
type KeyValues struct {
	Name   string
	Pos    Position
	Values []Field[string]
}

// Authorization is the Authorization header the gateway sends.
type Authorization struct {
	Pos       Position
	Scheme    Field[string]
	Parameter Field[string]
}

// ManagedIdentity asks the gateway to obtain a token for Resource.
type ManagedIdentity struct {
	Pos      Position
	ClientID Field[string]
	Resource Field[string]
}

// Proxy is an outbound HTTP proxy for the backend.
type Proxy struct {
	Pos      Position
	URL      Field[string]
	Username Field[string]
	Password Field[string]
}

// ServiceFabric holds Service Fabric cluster backend properties.
type ServiceFabric struct {
	Pos                           Position
	ClientCertificateID           Field[string]
	ClientCertificateThumbprint   Field[string]
	ManagementEndpoints           []Field[string]
	MaxPartitionResolutionRetries Field[int]
	ServerCertificateThumbprints  []Field[string]
	ServerX509Names               []X509Name
}

// CircuitBreaker holds the backend's breaker rules. Azure evaluates one rule.
type CircuitBreaker struct {
	Pos   Position
	Rules []*BreakerRule
}

// BreakerRule is one circuit breaker rule.
type BreakerRule struct {
	Pos              Position
	Name             Field[string]
	FailureCondition *FailureCondition
	// TripDuration is the ISO-8601 duration the circuit stays open.
	TripDuration     Duration
	AcceptRetryAfter Field[bool]
	// FailureResponse is returned while the circuit is open (preview API).
	FailureResponse *FailureResponse
}

// FailureCondition says when a breaker trips: Count or Percentage failures
// within Interval, where failures are responses in StatusCodeRanges and the
// ErrorReasons listed.
type FailureCondition struct {
	Pos              Position
	Count            Field[int]
	Percentage       Field[int]
	Interval         Duration
	StatusCodeRanges []StatusRange
	ErrorReasons     []Field[string]
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct {
	Pos Position
	Min Field[int]
	Max Field[int]
}

// Contains reports whether code falls in the range (unknown bounds never match).
func (r StatusRange) Contains(code int) bool {
	return r.Min.Known() && r.Max.Known() && code >= r.Min.Value && code <= r.Max.Value
}

// FailureResponse is the status code the gateway answers with while a
// breaker is open or no pool member is available.
type FailureResponse struct {
	Pos        Position
	StatusCode Field[int]
}

// Duration is an ISO-8601 duration property ("PT1M").
type Duration struct {
	Field[string]
	// D is the parsed duration; valid when Err is nil and the field is known.
	D time.Duration
	// Err is the parse error, if the text is not a valid ISO-8601 duration.
	Err error
}

// PoolConfig is the `pool` of a Pool backend.
type PoolConfig struct {
	Pos             Position
	Services        []*PoolMember
	FailureResponse *FailureResponse
	SessionAffinity *SessionAffinity
}

// PoolMember is one backend referenced by a pool.
type PoolMember struct {
	Pos Position
	// ID is the member reference as written (full ARM id or /backends/name).
	ID Field[string]
	// Name is the backend name the id resolves to ("" when unresolvable).
	Name     string
	Priority Field[int]
	Weight   Field[int]
	// PreferredCarbonEmission is a preview hint; recorded, not emulated.
	PreferredCarbonEmission Field[string]
}

// SessionAffinity pins a client session to a pool member.
type SessionAffinity struct {
	Pos           Position
	SessionIDName Field[string]
	Source        Field[string]
}

// Certificate is a `certificates` entity (client certificate for backends).
type Certificate struct {
	Name string
	ID   string
	Pos  Position
	// Data is the base64 PFX; Password its password (never printed).
	Data     Field[string]
	Password Field[string]
	// KeyVault holds the Key Vault reference, if any.
	KeyVault *KeyVaultRef
	// Thumbprint, Subject and Expiration come from REST/`az` output.
	Thumbprint Field[string]
	Subject    Field[string]
	Expiration Field[string]
	Workspace  string
}

// KeyVaultRef references a Key Vault secret.
type KeyVaultRef struct {
	Pos              Position
	SecretIdentifier Field[string]
	IdentityClientID Field[string]
}

// CACertificate is an entry of the service's CA store.
type CACertificate struct {
	Pos Position
	// StoreName is Root or CertificateAuthority.
	StoreName           Field[string]
	EncodedCertificate  Field[string]
	CertificatePassword Field[string]
	Thumbprint          Field[string]
}

// NamedValue is a `namedValues` entity, referenced from policies as {{name}}.
type NamedValue struct {
	Name        string
	Pos         Position
	DisplayName Field[string]
	Value       Field[string]
	Secret      Field[bool]
	KeyVault    *KeyVaultRef
	Tags        []string
	Workspace   string
}

// API is an `apis` entity.
type API struct {
	Name        string
	Pos         Position
	DisplayName Field[string]
	Path        Field[string]
	ServiceURL  Field[string]
	Protocols   []Field[string]
	Operations  []*Operation
	Policy      *PolicyDoc
	// Products lists the products the API belongs to (by product name).
	Products  []string
	Workspace string
	// Type is the API type ("http" when unset; "soap", "websocket",
	// "graphql", "odata", "grpc").
	Type Field[string]
	// APIRevision is the revision number ("1" when unset); IsCurrent marks
	// the revision served without ";rev=N". An API whose name carries
	// ";rev=N" is that revision of the API named before ';'.
	APIRevision Field[string]
	IsCurrent   Field[bool]
	// APIVersion is the version identifier within the API's version set
	// ("" for the original version); VersionSetID names the
	// apiVersionSets entity (the last segment of apiVersionSetId).
	APIVersion   Field[string]
	VersionSetID Field[string]
}

// VersionSet is an `apiVersionSets` entity: how clients name a version.
type VersionSet struct {
	Name string
	Pos  Position
	// Scheme is "Segment", "Query" or "Header".
	Scheme Field[string]
	// QueryName and HeaderName name the query parameter or header that
	// carries the version (Query and Header schemes).
	QueryName  Field[string]
	HeaderName Field[string]
}

// Operation is an API operation.
type Operation struct {
	Name        string
	Pos         Position
	DisplayName Field[string]
	Method      Field[string]
	URLTemplate Field[string]
	Policy      *PolicyDoc
}

// Product is a `products` entity.
type Product struct {
	Name        string
	Pos         Position
	DisplayName Field[string]
	Policy      *PolicyDoc
	// APIs lists the API names linked to the product.
	APIs      []string
	Workspace string
}

// Fragment is a policy fragment.
type Fragment struct {
	Name        string
	Pos         Position
	Description Field[string]
	Policy      *PolicyDoc
	Workspace   string
}

// Scope is where a policy document applies.
type Scope string

// The policy scopes, outermost first.
const (
	ScopeGlobal    Scope = "global"
	ScopeProduct   Scope = "product"
	ScopeAPI       Scope = "api"
	ScopeOperation Scope = "operation"
	ScopeFragment  Scope = "fragment"
)

// PolicyDoc is a policy document as loaded: the XML text and where it lives.
// apim/policy parses it into a tree; the loader keeps the raw text so the
// parser can report positions in the file the user edits.
type PolicyDoc struct {
	Scope Scope
	// Owner names the API, product, operation ("api/op") or fragment.
	Owner string
	// Format is the ARM/REST `format` (xml, rawxml, xml-link, rawxml-link).
	Format string
	// XML is the policy document text after unescaping.
	XML string
	// Pos is where the XML text starts: for a policy file, line 1 col 1; for
	// a value inside JSON, the string's position.
	Pos Position
	// Embedded is true when XML came from a JSON string; positions inside
	// it are then mapped back to the JSON string as well as possible.
	Embedded bool
}

// Backend returns the backend with the given name (case-insensitive, as
// Azure entity ids are), or nil.
func (s *Service) Backend(name string) *Backend {
	return s.index.backend(s, name)
}

// Certificate returns the certificate entity with the given id, or nil.
func (s *Service) Certificate(id string) *Certificate {
	return s.index.certificate(s, id)
}

// NamedValue returns the named value with the given name or display name.
func (s *Service) NamedValue(name string) *NamedValue {
	for _, n := range s.NamedValues {
		if equalFold(n.Name, name) || equalFold(n.DisplayName.Value, name) {
			return n
		}
	}
	return nil
}

// Fragment returns the fragment with the given id, or nil.
func (s *Service) Fragment(name string) *Fragment {
	for _, f := range s.Fragments {
		if equalFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// API returns the API with the given name, or nil.
func (s *Service) API(name string) *API {
	for _, a := range s.APIs {
		if equalFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// Product returns the product with the given name, or nil.
func (s *Service) Product(name string) *Product {
	for _, p := range s.Products {
		if equalFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Policies returns every policy document of the service: global, products,
// APIs, operations, fragments.
func (s *Service) Policies() []*PolicyDoc {
	var out []*PolicyDoc
	if s.Policy != nil {
		out = append(out, s.Policy)
	}
	for _, p := range s.Products {
		if p.Policy != nil {
			out = append(out, p.Policy)
		}
	}
	for _, a := range s.APIs {
		if a.Policy != nil {
			out = append(out, a.Policy)
		}
		for _, o := range a.Operations {
			if o.Policy != nil {
				out = append(out, o.Policy)
			}
		}
	}
	for _, f := range s.Fragments {
		if f.Policy != nil {
			out = append(out, f.Policy)
		}
	}
	return append(out, s.Standalone...)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
