package load

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// Merge joins services into one, as Load did before inputs were grouped
// into services: entities are concatenated in order (APIs and products of
// the same name and workspace are joined), issues and sources kept. The
// name is the first service's when all named services agree, else "".
// Coverage holds a kind when any input does.
func Merge(svcs []*apim.Service) *apim.Service {
	out := &apim.Service{}
	apis := map[[2]string]*apim.API{}
	products := map[[2]string]*apim.Product{}
	names := map[string]bool{}
	for _, s := range svcs {
		if s.Name != "" {
			names[strings.ToLower(s.Name)] = true
			if out.Name == "" {
				out.Name, out.Pos = s.Name, s.Pos
			}
		}
		out.Sources = append(out.Sources, s.Sources...)
		out.Backends = append(out.Backends, s.Backends...)
		out.Certificates = append(out.Certificates, s.Certificates...)
		out.CAStore = append(out.CAStore, s.CAStore...)
		out.NamedValues = append(out.NamedValues, s.NamedValues...)
		out.Fragments = append(out.Fragments, s.Fragments...)
		out.VersionSets = append(out.VersionSets, s.VersionSets...)
		out.Standalone = append(out.Standalone, s.Standalone...)
		out.Workspaces = append(out.Workspaces, s.Workspaces...)
		out.Issues = append(out.Issues, s.Issues...)
		out.Skipped = append(out.Skipped, s.Skipped...)
		out.SecureValues = append(out.SecureValues, s.SecureValues...)
		out.Parameters = append(out.Parameters, s.Parameters...)
		if out.Policy == nil {
			out.Policy = s.Policy
		}
		out.SKU = mergeSKU(out.SKU, s.SKU)
		out.Coverage.Complete = out.Coverage.Complete || s.Coverage.Complete
		for k, ok := range s.Coverage.Kinds {
			if ok {
				out.Coverage.Add(k)
			}
		}
		for f, n := range s.FileNotes {
			if out.FileNotes == nil {
				out.FileNotes = map[string]string{}
			}
			out.FileNotes[f] = n
		}
		for _, a := range s.APIs {
			key := [2]string{a.Workspace, strings.ToLower(a.Name)}
			if prev := apis[key]; prev != nil {
				prev.Operations = append(prev.Operations, a.Operations...)
				prev.Products = append(prev.Products, a.Products...)
				if prev.Policy == nil {
					prev.Policy = a.Policy
				}
				continue
			}
			apis[key] = a
			out.APIs = append(out.APIs, a)
		}
		for _, p := range s.Products {
			key := [2]string{p.Workspace, strings.ToLower(p.Name)}
			if prev := products[key]; prev != nil {
				prev.APIs = append(prev.APIs, p.APIs...)
				if prev.Policy == nil {
					prev.Policy = p.Policy
				}
				continue
			}
			products[key] = p
			out.Products = append(out.Products, p)
		}
	}
	if len(names) > 1 {
		out.Name, out.Pos = "", apim.Position{}
	}
	if len(svcs) > 0 && out.Name == "" {
		out.Root = svcs[0].Root
	}
	return out
}

// mergeSKU joins two declarations of a service's sku (the same service
// declared twice, by two resources whose conditions could not be
// evaluated or by two files; services merged by Merge). The first wins,
// but when the two do not name the same tier the tier is not known: which
// one Azure ends up with depends on what is deployed, and judging the
// service by the first made the tier-aware rules report on a tier it may
// not have.
func mergeSKU(prev, next *apim.SKU) *apim.SKU {
	if prev == nil {
		return next
	}
	if next == nil || !prev.Name.Known() || sameTier(prev.Name, next.Name) {
		return prev
	}
	out := *prev
	out.Name = apim.Field[string]{Set: true, Pos: prev.Name.Pos}.WithKey(prev.Name.Key()).WithUnknown(
		fmt.Sprintf("the service is declared with sku.name %s at %s and %s at %s",
			skuNameText(prev.Name), prev.Name.Pos, skuNameText(next.Name), next.Name.Pos))
	return &out
}

// sameTier reports whether two known sku names name the same tier (or, for
// names that are not tiers, are the same name but for case).
func sameTier(a, b apim.Field[string]) bool {
	if !a.Known() || !b.Known() {
		return false
	}
	ta, oka := apim.ParseTier(a.Value)
	tb, okb := apim.ParseTier(b.Value)
	if oka || okb {
		return oka && okb && ta == tb
	}
	return strings.EqualFold(strings.TrimSpace(a.Value), strings.TrimSpace(b.Value))
}

func skuNameText(f apim.Field[string]) string {
	if f.Known() {
		return fmt.Sprintf("%q", f.Value)
	}
	return "unknown"
}
