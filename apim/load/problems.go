package load

import "github.com/apimlab/apimlab/apim"

// Problems counts what makes a loaded model incomplete or invalid: malformed
// input (APIM901), unresolved values (APIM902) and circuit-breaker durations
// that are not ISO-8601. Unknown properties (APIM903) are not counted.
func Problems(svc *apim.Service) int {
	n := 0
	for _, is := range svc.Issues {
		if is.Code == "APIM901" || is.Code == "APIM902" {
			n++
		}
	}
	return n + len(svc.DurationErrors())
}
