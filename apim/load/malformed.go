package load

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// ErrMalformed is wrapped by Malformed's error.
var ErrMalformed = errors.New("the configuration does not load cleanly")

// Malformed returns an error listing every malformed input of svc (problems
// of code apim.Malformed), or nil. Commands that run the configuration (the gateway, the
// simulator) refuse malformed input: they would run another configuration
// than the one deployed. Unresolved values are not malformed: what needs
// them fails later, with its position.
func Malformed(svc *apim.Service) error {
	var lines []string
	for _, is := range svc.Issues {
		if is.Code == apim.Malformed {
			lines = append(lines, is.Error())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("%w:\n  %s", ErrMalformed, strings.Join(lines, "\n  "))
}
