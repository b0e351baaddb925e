// Package policy reads Azure API Management policy documents into a typed,
// positioned tree and computes effective policies.
//
//   - Parse / ParseFile: policy XML (a <policies> document or a <fragment>)
//     into a Document. The tree is built with etree (Document.Tree,
//     Element.Node) and every element, attribute, text, expression, named
//     value reference and comment carries its file:line:col. Real-world
//     policies are not always well-formed XML (APIM accepts raw quotes, '<'
//     and '&&' inside @(…) / @{…} expressions); Parse balances expressions
//     as C# and escapes them before reading, keeping positions exact.
//   - Lookup / Known / Suggest: the catalogue of APIM policy elements with
//     the sections each policy may be used in.
//   - Attributes / LookupAttribute / SuggestAttribute: the attributes the
//     Learn reference documents for the most used policies and their child
//     elements, and which of them take no policy expression.
//   - Merge: global → product → API → operation at <base/>, with
//     include-fragment expansion.
//   - NamedValueRefs / Substitute: {{named value}} references.
//   - DecodeFormat: the ARM/REST `format` of a policy (xml, rawxml, links).
//   - Attr.Int / Attr.Bool / Classify: typed values that tell literals from
//     expressions, named values and deploy-time placeholders ("{retry_count}").
//
// Policy expressions themselves (their C# subset) are compiled by
// apim/policyexpr from Expr.Src.
package policy
