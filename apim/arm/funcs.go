package arm

// funcSpec describes one built-in template function. Strict functions (fn)
// get their arguments evaluated, and an Unknown argument makes the call
// Unknown unless acceptUnknown is set. Lazy functions evaluate what they
// need, so if(), and(), or() and coalesce() can skip unknown branches.
type funcSpec struct {
	min, max      int // argument count; max < 0: no limit
	fn            func(e *env, c *Call, a []*value) *value
	lazy          func(e *env, c *Call) *value
	acceptUnknown bool
	// reads marks a strict function that keeps no pointer to the slice
	// of its arguments, nor to an argument that is a string, number,
	// boolean or null, in what it returns or anywhere else: call then
	// passes literal arguments and the slice in scratch space the next
	// call reuses (issue 16). fresh marks one whose String results are
	// newly allocated and shared with nothing, so that evalString may
	// position them in place instead of copying them.
	reads, fresh bool
}

func strict(min, max int, fn func(e *env, c *Call, a []*value) *value) funcSpec {
	return funcSpec{min: min, max: max, fn: fn}
}

// reading is strict for a function that only reads its arguments (reads).
func reading(min, max int, fn func(e *env, c *Call, a []*value) *value) funcSpec {
	return funcSpec{min: min, max: max, fn: fn, reads: true}
}

// building is reading for a function whose String results are its own
// (fresh).
func building(min, max int, fn func(e *env, c *Call, a []*value) *value) funcSpec {
	return funcSpec{min: min, max: max, fn: fn, reads: true, fresh: true}
}

func lazy(min, max int, fn func(e *env, c *Call) *value) funcSpec {
	return funcSpec{min: min, max: max, lazy: fn}
}

// builtins returns the function table, keyed by lower-case name. It is
// built per Resolve call, so no package state is shared.
func builtins() map[string]funcSpec {
	return map[string]funcSpec{
		// Deployment values.
		"parameters":                reading(1, 1, fnParameters),
		"variables":                 reading(1, 1, fnVariables),
		"copyindex":                 reading(0, 2, fnCopyIndex),
		"resourceid":                building(2, -1, fnResourceID),
		"subscriptionresourceid":    building(2, -1, fnSubscriptionResourceID),
		"tenantresourceid":          building(2, -1, fnTenantResourceID),
		"extensionresourceid":       building(3, -1, fnExtensionResourceID),
		"resourcegroup":             strict(0, 0, fnResourceGroup),
		"subscription":              strict(0, 0, fnSubscription),
		"deployment":                strict(0, 0, fnDeployment),
		"environment":               strict(0, 0, fnEnvironment),
		"tenant":                    strict(0, 0, fnTenant),
		"deployer":                  strict(0, 0, fnDeployer),
		"reference":                 strict(1, 3, fnReference),
		"newguid":                   strict(0, 0, liveOnly),
		"utcnow":                    strict(0, 1, liveOnly),
		"pickzones":                 strict(3, 5, liveOnly),
		"providers":                 strict(1, 2, liveOnly),
		"managementgroup":           strict(0, 1, liveOnly),
		"managementgroupresourceid": strict(2, -1, liveOnly),
		"datetimeadd":               strict(2, 3, liveOnly),
		"datetimefromepoch":         strict(1, 1, liveOnly),
		"datetimetoepoch":           strict(1, 1, liveOnly),

		// Logic and comparison.
		"if":              lazy(3, 3, fnIf),
		"and":             lazy(1, -1, fnAnd),
		"or":              lazy(1, -1, fnOr),
		"not":             reading(1, 1, fnNot),
		"bool":            strict(1, 1, fnBool),
		"true":            strict(0, 0, func(*env, *Call, []*value) *value { return boolVal(true) }),
		"false":           strict(0, 0, func(*env, *Call, []*value) *value { return boolVal(false) }),
		"null":            strict(0, 0, func(*env, *Call, []*value) *value { return nullVal() }),
		"equals":          {min: 2, max: 2, fn: fnEquals, acceptUnknown: true, reads: true},
		"greater":         strict(2, 2, compare(func(c int) bool { return c > 0 })),
		"greaterorequals": strict(2, 2, compare(func(c int) bool { return c >= 0 })),
		"less":            strict(2, 2, compare(func(c int) bool { return c < 0 })),
		"lessorequals":    strict(2, 2, compare(func(c int) bool { return c <= 0 })),
		"coalesce":        lazy(1, -1, fnCoalesce),

		// Numbers.
		"add":   strict(2, 2, arith("add")),
		"sub":   strict(2, 2, arith("sub")),
		"mul":   strict(2, 2, arith("mul")),
		"div":   strict(2, 2, arith("div")),
		"mod":   strict(2, 2, arith("mod")),
		"int":   strict(1, 1, fnInt),
		"float": strict(1, 1, fnFloat),
		"min":   strict(1, -1, minMax(true)),
		"max":   strict(1, -1, minMax(false)),
		"range": strict(2, 2, fnRange),

		// Strings.
		"concat":               building(0, -1, fnConcat),
		"format":               building(1, -1, fnFormat),
		"string":               {min: 1, max: 1, fn: fnString},
		"tolower":              building(1, 1, strFn(toLowerInvariant)),
		"toupper":              building(1, 1, strFn(toUpperInvariant)),
		"trim":                 building(1, 1, strFn(trimSpace)),
		"replace":              building(3, 3, fnReplace),
		"split":                strict(2, 2, fnSplit),
		"substring":            strict(1, 3, fnSubstring),
		"startswith":           strict(2, 2, fnStartsWith),
		"endswith":             strict(2, 2, fnEndsWith),
		"indexof":              strict(2, 2, fnIndexOf(false)),
		"lastindexof":          strict(2, 2, fnIndexOf(true)),
		"padleft":              strict(2, 3, fnPadLeft),
		"base64":               strict(1, 1, fnBase64),
		"base64tostring":       strict(1, 1, fnBase64ToString),
		"base64tojson":         strict(1, 1, fnBase64ToJSON),
		"uri":                  strict(2, 2, fnURI),
		"uricomponent":         strict(1, 1, fnURIComponent),
		"uricomponenttostring": strict(1, 1, fnURIComponentToString),
		"datauri":              strict(1, 1, fnDataURI),
		"datauritostring":      strict(1, 1, fnDataURIToString),
		"uniquestring":         building(1, -1, fnUniqueString),
		"guid":                 building(1, -1, fnGUID),
		"json":                 strict(1, 1, fnJSON),
		"join":                 strict(2, 2, fnJoin),

		// Arrays and objects.
		"empty":           strict(1, 1, fnEmpty),
		"length":          strict(1, 1, fnLength),
		"createobject":    {min: 0, max: -1, fn: fnCreateObject, acceptUnknown: true},
		"createarray":     {min: 0, max: -1, fn: fnCreateArray, acceptUnknown: true},
		"array":           {min: 1, max: 1, fn: fnArray, acceptUnknown: true},
		"union":           strict(1, -1, fnUnion),
		"intersection":    strict(1, -1, fnIntersection),
		"shallowmerge":    strict(1, 1, fnShallowMerge),
		"contains":        strict(2, 2, fnContains),
		"first":           strict(1, 1, fnFirst),
		"last":            strict(1, 1, fnLast),
		"skip":            strict(2, 2, fnSkip),
		"take":            strict(2, 2, fnTake),
		"items":           strict(1, 1, fnItems),
		"objectkeys":      strict(1, 1, fnObjectKeys),
		"flatten":         strict(1, 1, fnFlatten),
		"tryget":          lazy(2, -1, fnTryGet),
		"tryindexfromend": strict(2, 2, fnTryIndexFromEnd),
		"indexfromend":    strict(2, 2, fnIndexFromEnd),

		// Lambdas.
		"lambda":          lazy(1, -1, fnLambdaOutside),
		"lambdavariables": strict(1, 1, fnLambdaVariables),
		"map":             lazy(2, 2, fnMap),
		"filter":          lazy(2, 2, fnFilter),
		"reduce":          lazy(3, 3, fnReduce),
		"sort":            lazy(2, 2, fnSort),
		"toobject":        lazy(2, 3, fnToObject),
		"mapvalues":       lazy(2, 2, fnMapValues),
	}
}
