package lint

import "slices"

// sortErrors sorts errors by message.
func sortErrors(errs []error) {
	slices.SortFunc(errs, func(a, b error) int {
		switch x, y := a.Error(), b.Error(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
}
