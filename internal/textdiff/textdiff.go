// Package textdiff shows where two texts first differ, for tests that
// compare a rendering with the one they expect.
package textdiff

import (
	"fmt"
	"strings"
)

// First returns the first line where got differs from want, numbered from
// 1, with both versions ("" when the texts are equal).
func First(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return ""
}
