package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// PolicyMisplaced reports policies used in a section or inside an element
// where API Management does not allow them.
var PolicyMisplaced = &lint.Rule{
	ID:       "APIM410",
	Name:     "policy-misplaced",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A policy is used where API Management does not allow it",
		Why: "Each policy may only be used in certain sections (the \"Usage: Policy sections\" line of " +
			"its reference page): `forward-request` only in <backend>, `rewrite-uri` and `validate-jwt` " +
			"only in <inbound>, `cache-store` only in <outbound>, and so on. Child elements only work " +
			"inside their policy (`<when>` inside `<choose>`, `<value>` inside `<set-header>`), and " +
			"policy statements must be inside a section. Azure rejects the document. Statements of a " +
			"policy fragment are checked against the sections the fragment is included in.",
		Fix: "Move the policy to a section that allows it (the message lists them), or into the " +
			"element it belongs to.",
		Bad: `<policies>
  <inbound>
    <base />
    <forward-request timeout="60" />
  </inbound>
</policies>`,
		Good: `<policies>
  <inbound>
    <base />
  </inbound>
  <backend>
    <forward-request timeout="60" />
  </backend>
</policies>`,
		Since: "0.1.0",
	},
	Check: checkPolicyMisplaced,
}

// flowContainers hold policy statements that run in the section of the
// container: they add no placement rule of their own.
var flowContainers = map[string]bool{
	"when": true, "otherwise": true, "retry": true, "limit-concurrency": true,
}

func checkPolicyMisplaced(pass *lint.Pass) {
	set := servicePolicies(pass)
	sites := fragmentSites(pass.Service, set)
	// policy.Lookup copies the entry it returns: once per name is enough.
	type lookup struct {
		info policy.Info
		ok   bool
	}
	infos := map[string]lookup{}
	for _, p := range set.All {
		if p.Doc == nil {
			continue
		}
		subj := policySubject(p.Src)
		p.walk(func(e *policy.Element) bool {
			l, seen := infos[e.Name]
			if !seen {
				l.info, l.ok = policy.Lookup(e.Name)
				infos[e.Name] = l
			}
			info, ok := l.info, l.ok
			if !ok {
				return false // APIM406 reports it; its content is unknown too
			}
			if info.Kind == policy.KindResolver {
				// A GraphQL resolver's request and response elements have
				// placement rules of their own; not checked here.
				return false
			}
			if msg := misplacement(e, info); msg != "" {
				pass.ReportFixf(e.Pos, subj, placementFix(info), "%s", msg)
				return false
			}
			if info.Kind == policy.KindPolicy && p.Doc.IsFragment() && inStatementPosition(e) {
				for _, site := range sites[strings.ToLower(p.Src.Owner)] {
					if !info.AllowedIn(site.section) {
						pass.ReportFixf(e.Pos, subj, placementFix(info),
							"<%s> in fragment %q is not allowed in <%s>, where %s includes the fragment (%s); allowed in %s",
							e.Name, p.Src.Owner, site.section, describeDoc(site.doc), lineOf(site.pos), sectionList(info.Sections))
					}
				}
			}
			return true
		})
	}
}

// misplacement describes why e may not be where it is, or returns "".
func misplacement(e *policy.Element, info policy.Info) string {
	parent := e.Parent
	switch info.Kind {
	case policy.KindRoot:
		if parent != nil {
			return fmt.Sprintf("<%s> is a document root; it cannot be nested in <%s>", e.Name, parent.Name)
		}
	case policy.KindSection:
		if parent == nil {
			return fmt.Sprintf("<%s> is a section; the document root must be <policies>", e.Name)
		}
		if !slices.Contains(info.Parents, parent.Name) {
			return fmt.Sprintf("section <%s> must be a direct child of <policies>, not of <%s>", e.Name, parent.Name)
		}
	case policy.KindChild:
		if parent == nil {
			return fmt.Sprintf("<%s> cannot be the document root; it belongs inside %s", e.Name, elemList(info.Parents))
		}
		if !slices.Contains(info.Parents, parent.Name) {
			return fmt.Sprintf("<%s> is not allowed inside <%s>; it belongs inside %s", e.Name, parent.Name, elemList(info.Parents))
		}
	case policy.KindPolicy:
		return policyMisplacement(e, info)
	}
	return ""
}

func policyMisplacement(e *policy.Element, info policy.Info) string {
	parent := e.Parent
	if parent == nil {
		return fmt.Sprintf("<%s> cannot be the document root; wrap it in <policies> and a section", e.Name)
	}
	if parent.Name == "policies" {
		return fmt.Sprintf("<%s> must be inside a section (%s), not directly in <policies>", e.Name, sectionList(info.Sections))
	}
	if inStatementPosition(e) {
		if e.Section != "" && !info.AllowedIn(e.Section) {
			return fmt.Sprintf("<%s> is not allowed in <%s>; allowed in %s", e.Name, e.Section, sectionList(info.Sections))
		}
		return ""
	}
	if slices.Contains(info.Parents, parent.Name) {
		return ""
	}
	if _, known := policy.KindOf(parent.Name); !known {
		return "" // APIM406 reports the unknown parent
	}
	return fmt.Sprintf("<%s> is not allowed inside <%s>", e.Name, parent.Name)
}

// inStatementPosition reports whether e is a statement of a section or
// fragment: a direct child of one, or nested only in control flow.
func inStatementPosition(e *policy.Element) bool {
	p := e.Parent
	if p == nil {
		return false
	}
	if p.Name == "fragment" && p.Parent == nil {
		return true
	}
	if k, ok := policy.KindOf(p.Name); ok && k == policy.KindSection && p.Parent != nil && p.Parent.Name == "policies" {
		return true
	}
	if flowContainers[p.Name] {
		return true
	}
	return false
}

func placementFix(info policy.Info) string {
	switch info.Kind {
	case policy.KindPolicy:
		return "move <" + info.Name + "> to " + sectionList(info.Sections)
	case policy.KindChild:
		return "move <" + info.Name + "> inside " + elemList(info.Parents)
	}
	return "fix the document structure"
}

func sectionList(ss []policy.Section) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, "<"+string(s)+">")
	}
	return orList(parts)
}

func elemList(names []string) string {
	var parts []string
	for _, n := range names {
		parts = append(parts, "<"+n+">")
	}
	return orList(parts)
}

func orList(parts []string) string {
	switch len(parts) {
	case 0:
		return "no section"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// fragmentSite is a place a fragment is included from.
type fragmentSite struct {
	section policy.Section
	doc     *apim.PolicyDoc
	pos     apim.Position
}

// fragmentSites maps a fragment id (lower-case) to the sections of
// non-fragment policies that include it.
func fragmentSites(svc *apim.Service, set *policySet) map[string][]fragmentSite {
	out := map[string][]fragmentSite{}
	for _, p := range set.All {
		if p.Doc == nil || p.Doc.IsFragment() {
			continue
		}
		p.walkNamed([]string{"include-fragment"}, func(e *policy.Element) bool {
			if e.Section == "" {
				return true
			}
			a := e.Attr("fragment-id")
			if !literalValue(a) {
				return true
			}
			id := strings.ToLower(strings.TrimSpace(a.Value))
			if svc.Fragment(id) == nil {
				return true
			}
			for _, s := range out[id] {
				if s.section == e.Section && s.doc == p.Src {
					return true // one site per section and document is enough
				}
			}
			out[id] = append(out[id], fragmentSite{section: e.Section, doc: p.Src, pos: e.Pos})
			return true
		})
	}
	return out
}
