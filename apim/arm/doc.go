// Package arm resolves Azure Resource Manager templates — hand-written JSON
// and Bicep-compiled JSON (languageVersion 2.0) — into a flat list of
// resources whose property trees have every template expression evaluated.
//
// Resolution never fails and never guesses. A value that cannot be computed
// without a live deployment or a missing parameter becomes a jsontree.Value
// of Kind jsontree.Unknown whose Reason says why ("parameter \"apimName\" has
// no value (pass --parameters)", "reference(...) needs a live deployment").
// Unknowns propagate: concat() with an unknown argument is unknown, while
// if(), and(), or() and coalesce() skip unknown arguments they do not need.
// Each distinct reason is reported once, as an APIM902 issue at the first
// expression that produced it; template errors (bad expression syntax, a
// type error, an index out of range) are APIM901 issues.
//
// Resolved values keep the position of the expression string that produced
// them, the expression text (Value.Expr()) and an Origin: Literal for values
// written as they are, Parameter or SecureParameter for parameter values
// (secureString/secureObject taint every value computed from them),
// Reference for Key Vault references of a parameters file, and Computed for
// everything else.
//
// What is supported: parameters (given, defaultValue, nullable), variables
// (including variable copy loops, with cycle detection), user-defined
// functions, resource copy loops, property copy arrays, conditions, nested
// child resources, languageVersion 2.0 symbolic resources ("existing"
// resources are skipped), and nested Microsoft.Resources/deployments with an
// inline template in inner or outer expression scope. reference() to a nested
// deployment of the same template reads its outputs, so values passed
// between Bicep modules resolve. Expressions are parsed once per distinct
// string.
//
// # Placeholders
//
// Templates are resolved without a subscription. Functions describing the
// deployment target return fixed placeholders, marked Computed:
//
//	subscription().subscriptionId  00000000-0000-0000-0000-000000000000
//	resourceGroup().name           resourceGroup
//	resourceGroup().location       resourceGroupLocation
//	resourceGroup().id             /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup
//	deployment().name              deployment (or the nested deployment's name)
//	environment()                  the public Azure cloud's endpoints
//
// resourceId() builds "/subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{names...}"
// from these unless the template passes a subscription or resource group.
// uniqueString() (13 characters of a SHA-256 base-32 hash) and guid() (a
// version-5 UUID) are deterministic but not bit-compatible with Azure's, so
// names built from them are stable across runs but differ from the deployed
// names. reference() to anything else, list*(), newGuid(), utcNow() and
// pickZones() are Unknown.
package arm
