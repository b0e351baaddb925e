package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// FragmentUnknown reports include-fragment elements naming a policy
// fragment the service does not define.
var FragmentUnknown = &lint.Rule{
	ID:       "APIM419",
	Name:     "fragment-unknown",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A policy includes a policy fragment that does not exist",
		Why: "`<include-fragment fragment-id=\"…\"/>` inserts the policy fragment of that name when " +
			"the policy is saved. Azure rejects a policy whose fragment does not exist (\"Error in " +
			"element 'include-fragment' on line 15, column 4: Policy fragment with id 'ForwardContext' " +
			"could not be found.\", as APIOps users report when a publisher puts a policy before its " +
			"fragment), so the deployment fails. The rule runs when the inputs define policy fragments, " +
			"declare the service itself, or are said to be complete (`--complete`): a lone policy file " +
			"cannot tell a missing fragment from one defined elsewhere; on inputs that do not hold every " +
			"fragment the finding is information that says so.",
		Fix: "Create the policy fragment (a `<fragment>` document under policy fragments/), or fix the " +
			"fragment-id's spelling.",
		Bad: `<inbound>
  <base />
  <include-fragment fragment-id="forward-contex" />
</inbound>`,
		Good: `<inbound>
  <base />
  <include-fragment fragment-id="forward-context" />
</inbound>`,
		Since: "0.3.0",
	},
	Check: checkFragmentUnknown,
}

// fragmentsKnown reports whether the inputs say which policy fragments the
// service has: some were loaded, the service resource itself was declared,
// or the inputs are said to be complete.
func fragmentsKnown(svc *apim.Service) bool {
	return len(svc.Fragments) > 0 || (svc.Name != "" && svc.Pos.IsValid()) || svc.Coverage.Complete
}

func checkFragmentUnknown(pass *lint.Pass) {
	svc := pass.Service
	if !fragmentsKnown(svc) || unresolvedEntities(svc, "policyfragments") {
		return
	}
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		p.walkNamed([]string{"include-fragment"}, func(e *policy.Element) bool {
			a := e.Attr("fragment-id")
			if !literalValue(a) || strings.TrimSpace(a.Value) == "" || svc.Fragment(strings.TrimSpace(a.Value)) != nil {
				return true
			}
			id := strings.TrimSpace(a.Value)
			fix := fmt.Sprintf("create policy fragment %q or fix the fragment-id", id)
			if s := closestFragment(svc, id); s != "" {
				fix = fmt.Sprintf("did you mean fragment-id=%q?", s)
			}
			pass.ReportDanglingf(apim.KindFragments, a.ValuePos, policySubject(p.Src), fix,
				"include-fragment %q references no policy fragment (%d defined)", id, len(svc.Fragments))
			return true
		})
	}
}

// closestFragment suggests a defined fragment close to name.
func closestFragment(svc *apim.Service, name string) string {
	cands := make([]string, 0, len(svc.Fragments))
	for _, f := range svc.Fragments {
		cands = append(cands, f.Name)
	}
	return closestName(name, cands)
}
