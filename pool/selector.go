package pool

// Selector picks one member of a priority group. Implementations keep their
// rotation state between calls and need not be safe for concurrent use: the
// Pool serialises calls to a group's selector.
type Selector interface {
	// Select returns the index into members of the member to use, with
	// ok=false when none can be used. up[i] reports whether members[i] is
	// available; len(up) == len(members). Select must not retain either slice.
	Select(members []Member, up []bool) (idx int, ok bool)
}

// Policy builds the selector of each priority group and states the static
// share it gives each member.
type Policy interface {
	// NewSelector returns a fresh selector for one group.
	NewSelector(group []Member) Selector
	// Shares returns each group member's expected fraction of the group's
	// traffic when every member is available; the fractions sum to 1.
	Shares(group []Member) []float64
}
