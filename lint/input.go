package lint

import (
	"fmt"
	"slices"
)

// Input is a value some rules depend on, computed once per run (in the
// spirit of go/analysis's Requires and ResultOf): certificate material
// decoded from PFX files, the results of `lint --probe`. A rule lists the
// inputs it reads in Rule.Requires and reads them with Get; reading an
// input the rule did not declare panics (a programming error the rules'
// fixture tests catch). A caller may Provide the value for a run instead
// of letting the input compute it (probe results come from the network,
// before the run).
type Input[T any] struct {
	// Name says what the input is, for messages.
	Name string
	// Compute builds the value for the pass's run; it may Get other
	// inputs. nil means the zero value when nothing is provided.
	Compute func(*Pass) T
}

// Requirement is an *Input of any type, as listed in Rule.Requires.
type Requirement interface {
	inputName() string
}

func (in *Input[T]) inputName() string { return in.Name }

// Get returns the value of in for the pass's run: the provided value
// (Provide) or the computed one, built once per run and shared by every
// rule (treat it as read-only).
func Get[T any](p *Pass, in *Input[T]) T {
	if p.Rule != nil && !p.computing && !slices.Contains(p.Rule.Requires, Requirement(in)) {
		panic(fmt.Sprintf("rule %s reads input %q without listing it in Requires", p.Rule.ID, in.Name))
	}
	if v, ok := p.Config.provided[in]; ok {
		t, _ := v.(T) // a nil interface value is T's zero value
		return t
	}
	if in.Compute == nil {
		var zero T
		return zero
	}
	t, _ := p.Memo(in, func() any {
		inner := *p
		inner.computing = true
		return in.Compute(&inner)
	}).(T)
	return t
}

// Provide supplies the value of in for every run with cfg, instead of
// Compute.
func Provide[T any](cfg *Config, in *Input[T], v T) {
	if cfg.provided == nil {
		cfg.provided = map[Requirement]any{}
	}
	cfg.provided[in] = v
}
