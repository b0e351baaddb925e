package arm

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// Placeholders for the deployment target. Resolution happens without a live
// subscription, so functions describing it return these fixed values, marked
// Computed (not Unknown) so that names built from them stay usable.
const (
	PlaceholderSubscriptionID = "00000000-0000-0000-0000-000000000000"
	PlaceholderTenantID       = "00000000-0000-0000-0000-000000000000"
	PlaceholderResourceGroup  = "resourceGroup"
	PlaceholderLocation       = "resourceGroupLocation"
	PlaceholderDeployment     = "deployment"
)

func member(k string, v *value) jsontree.Member { return jsontree.Member{Key: k, Value: v} }

func needsLive(what string) *value { return unknownVal(what + needsLiveSuffix) }

// needsLiveSuffix ends the reason of every value that only a deployment
// knows; the resolver gives their issues kind IssueNeedsDeployment.
const needsLiveSuffix = " needs a live deployment"

func fnParameters(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "parameter name must be a string")
	}
	return e.s.parameter(e, c, a[0].Str)
}

func fnVariables(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "variable name must be a string")
	}
	if e.tooDeep() {
		return e.malformed(c, "variables nested deeper than %d", maxEvalDepth)
	}
	return e.s.variable(e, c, a[0].Str)
}

// fnCopyIndex implements copyIndex(), copyIndex(offset),
// copyIndex('loop') and copyIndex('loop', offset).
func fnCopyIndex(e *env, c *Call, a []*value) *value {
	name, hasName := "", false
	var offset int64
	for i, v := range a {
		switch {
		case i == 0 && v.Kind == jsontree.String:
			name, hasName = strings.ToLower(v.Str), true
		default:
			n, ok := asInt(v)
			if !ok || v.Kind != jsontree.Number {
				return e.invalid(c, "offset must be an integer")
			}
			offset = n
		}
	}
	for i := len(e.loops) - 1; i >= 0; i-- {
		l := e.loops[i]
		if hasName && l.name != name {
			continue
		}
		if l.reason != "" {
			if e.placeholders {
				return strVal("<copyIndex>")
			}
			return unknownVal(l.reason)
		}
		return intVal(l.idx + offset)
	}
	if hasName {
		return e.malformed(c, "no copy loop named %q", name)
	}
	return e.malformed(c, "used outside a copy loop")
}

// resourceIDParts splits resourceId-style arguments into the resource type
// and names. The type is the first argument containing '/'; arguments before
// it are the optional subscription id and resource group name, arguments
// after it the names, each holding one or more '/'-separated segments.
func resourceIDParts(e *env, c *Call, a []*value) (scopeArgs []*value, typ string, names []*value, bad *value) {
	t := -1
	for i, v := range a {
		if v.Kind != jsontree.String {
			return nil, "", nil, e.invalid(c, "argument %d must be a string, got %s", i+1, v.Kind)
		}
		if t < 0 && strings.Contains(v.Str, "/") {
			t = i
		}
	}
	if t < 0 {
		return nil, "", nil, e.invalid(c, "no resource type (namespace/type) among the arguments")
	}
	typ, names = a[t].Str, a[t+1:]
	n := 0
	for _, v := range names {
		n += strings.Count(v.Str, "/") + 1
	}
	if segs := strings.Count(typ, "/"); segs != n {
		return nil, "", nil, e.invalid(c, "resource type %q needs %d name segment(s), got %d", typ, segs, n)
	}
	return a[:t], typ, names, nil
}

// resourceID returns prefix followed by "/providers/{namespace}" and a
// "/{type}/{name}" pair for each type segment of typ and name segment of
// names (as resourceIDParts returns them), built in one allocation.
func resourceID(typ string, names []*value, prefix ...string) string {
	size := len("/providers/") + len(typ)
	for _, p := range prefix {
		size += len(p)
	}
	for _, v := range names {
		size += len(v.Str) + 1
	}
	var b strings.Builder
	b.Grow(size)
	for _, p := range prefix {
		b.WriteString(p)
	}
	b.WriteString("/providers/")
	ns, types, _ := strings.Cut(typ, "/")
	b.WriteString(ns)
	for _, v := range names {
		rest := v.Str
		for {
			name, more, found := strings.Cut(rest, "/")
			seg, next, _ := strings.Cut(types, "/")
			b.WriteByte('/')
			b.WriteString(seg)
			b.WriteByte('/')
			b.WriteString(name)
			types = next
			if !found {
				break
			}
			rest = more
		}
	}
	return b.String()
}

// fnResourceID builds "/subscriptions/{sub}/resourceGroups/{rg}/providers/..."
// with the placeholder subscription and resource group unless given.
func fnResourceID(e *env, c *Call, a []*value) *value {
	pre, typ, names, bad := resourceIDParts(e, c, a)
	if bad != nil {
		return bad
	}
	sub, rg := PlaceholderSubscriptionID, PlaceholderResourceGroup
	switch len(pre) {
	case 0:
	case 1:
		rg = pre[0].Str
	case 2:
		sub, rg = pre[0].Str, pre[1].Str
	default:
		return e.invalid(c, "too many arguments before the resource type")
	}
	return strVal(resourceID(typ, names, "/subscriptions/", sub, "/resourceGroups/", rg))
}

func fnSubscriptionResourceID(e *env, c *Call, a []*value) *value {
	pre, typ, names, bad := resourceIDParts(e, c, a)
	if bad != nil {
		return bad
	}
	sub := PlaceholderSubscriptionID
	switch len(pre) {
	case 0:
	case 1:
		sub = pre[0].Str
	default:
		return e.invalid(c, "too many arguments before the resource type")
	}
	return strVal(resourceID(typ, names, "/subscriptions/", sub))
}

func fnTenantResourceID(e *env, c *Call, a []*value) *value {
	pre, typ, names, bad := resourceIDParts(e, c, a)
	if bad != nil {
		return bad
	}
	if len(pre) > 0 {
		return e.invalid(c, "too many arguments before the resource type")
	}
	return strVal(resourceID(typ, names))
}

func fnExtensionResourceID(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "resource id must be a string")
	}
	_, typ, names, bad := resourceIDParts(e, c, a[1:])
	if bad != nil {
		return bad
	}
	return strVal(resourceID(typ, names, strings.TrimRight(a[0].Str, "/")))
}

func fnResourceGroup(*env, *Call, []*value) *value {
	return objVal([]jsontree.Member{
		member("id", strVal("/subscriptions/"+PlaceholderSubscriptionID+"/resourceGroups/"+PlaceholderResourceGroup)),
		member("name", strVal(PlaceholderResourceGroup)),
		member("type", strVal("Microsoft.Resources/resourceGroups")),
		member("location", strVal(PlaceholderLocation)),
		member("managedBy", needsLive("resourceGroup().managedBy")),
		member("tags", needsLive("resourceGroup().tags")),
		member("properties", objVal([]jsontree.Member{member("provisioningState", strVal("Succeeded"))})),
	})
}

func fnSubscription(*env, *Call, []*value) *value {
	return objVal([]jsontree.Member{
		member("id", strVal("/subscriptions/"+PlaceholderSubscriptionID)),
		member("subscriptionId", strVal(PlaceholderSubscriptionID)),
		member("tenantId", strVal(PlaceholderTenantID)),
		member("displayName", strVal("subscription")),
	})
}

func fnTenant(*env, *Call, []*value) *value {
	return objVal([]jsontree.Member{
		member("id", strVal("/tenants/"+PlaceholderTenantID)),
		member("tenantId", strVal(PlaceholderTenantID)),
		member("displayName", needsLive("tenant().displayName")),
		member("countryCode", needsLive("tenant().countryCode")),
	})
}

func fnDeployer(*env, *Call, []*value) *value {
	return objVal([]jsontree.Member{
		member("objectId", needsLive("deployer().objectId")),
		member("tenantId", strVal(PlaceholderTenantID)),
		member("userPrincipalName", needsLive("deployer().userPrincipalName")),
	})
}

func fnDeployment(e *env, _ *Call, _ []*value) *value {
	name := PlaceholderDeployment
	if e.s.deployment != "" {
		name = e.s.deployment[strings.LastIndexByte(e.s.deployment, '/')+1:]
	}
	return objVal([]jsontree.Member{
		member("name", strVal(name)),
		member("location", strVal(PlaceholderLocation)),
		member("properties", objVal([]jsontree.Member{
			member("templateLink", needsLive("deployment().properties.templateLink")),
			member("provisioningState", strVal("Accepted")),
			member("mode", strVal("Incremental")),
		})),
	})
}

// fnEnvironment returns the public Azure cloud's well-known endpoints.
func fnEnvironment(*env, *Call, []*value) *value {
	s := func(k, v string) jsontree.Member { return member(k, strVal(v)) }
	return objVal([]jsontree.Member{
		s("name", "AzureCloud"),
		s("gallery", "https://gallery.azure.com/"),
		s("graph", "https://graph.windows.net/"),
		s("portal", "https://portal.azure.com"),
		s("graphAudience", "https://graph.windows.net/"),
		s("activeDirectoryDataLake", "https://datalake.azure.net/"),
		s("batch", "https://batch.core.windows.net/"),
		s("media", "https://rest.media.azure.net"),
		s("sqlManagement", "https://management.core.windows.net:8443/"),
		s("vmImageAliasDoc", "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json"),
		s("resourceManager", "https://management.azure.com/"),
		member("authentication", objVal([]jsontree.Member{
			s("loginEndpoint", "https://login.microsoftonline.com/"),
			member("audiences", arrVal([]*value{strVal("https://management.core.windows.net/"), strVal("https://management.azure.com/")})),
			s("tenant", "common"),
			s("identityProvider", "AAD"),
		})),
		member("suffixes", objVal([]jsontree.Member{
			s("acrLoginServer", ".azurecr.io"),
			s("azureDatalakeAnalyticsCatalogAndJob", "azuredatalakeanalytics.net"),
			s("azureDatalakeStoreFileSystem", "azuredatalakestore.net"),
			s("azureFrontDoorEndpointSuffix", "azurefd.net"),
			s("keyvaultDns", ".vault.azure.net"),
			s("sqlServerHostname", ".database.windows.net"),
			s("storage", "core.windows.net"),
		})),
	})
}

func liveOnly(_ *env, c *Call, _ []*value) *value {
	return unknownVal(c.Name + "() is only known during a live deployment")
}

// fnReference reads the outputs of a nested deployment declared in the same
// template; anything else needs a live deployment.
func fnReference(e *env, c *Call, a []*value) *value {
	if a[0].Kind == jsontree.String {
		if out := e.s.deploymentOutputs(e, a[0].Str); out != nil {
			return out
		}
	}
	if a[0].Kind == jsontree.String {
		return unknownVal(fmt.Sprintf("%s(%s)", c.Name, clip(a[0].Str)) + needsLiveSuffix)
	}
	return needsLive(c.Name + "()")
}
