package load

import "sort"

// finish runs once after all inputs: it orders issues by position so that
// output is stable whatever the load order.
func (b *builder) finish() {
	sort.SliceStable(b.svc.Issues, func(i, j int) bool {
		return b.svc.Issues[i].Pos.Before(b.svc.Issues[j].Pos)
	})
}
