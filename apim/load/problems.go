package load

import "github.com/apimlab/apimlab/apim"

// Problems counts what makes a loaded model incomplete or invalid: malformed
// input, unresolved values and circuit-breaker durations that are not
// ISO-8601. Unknown properties are not counted.
func Problems(svc *apim.Service) int {
	n := 0
	for _, is := range svc.Issues {
		if is.Code == apim.Malformed || is.Code == apim.Unresolved {
			n++
		}
	}
	return n + len(svc.DurationErrors())
}

// unreadable is the problem of a file met in a walk that cannot be read (a
// dangling link, no permission), at the file's first line.
func unreadable(path string, err error) *apim.Error {
	is := apim.Errorf(apim.Position{File: path, Line: 1, Col: 1}, apim.Malformed, "cannot read %s: %v", path, unwrapPathErr(err))
	is.Kind = apim.IssueUnreadable
	return is
}
