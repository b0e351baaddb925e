package sim

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestResultRedactsScenarioCredentials: a result (shared, merged, posted
// in reports) echoes its scenario; a subscription key or token written in
// the scenario's headers or query must not travel with it.
func TestResultRedactsScenarioCredentials(t *testing.T) {
	src := "name: r\nconfig: c.json\nload:\n  - path: /a?subscription-key=QUERYKEY1&x=1\n" +
		"    headers: {Ocp-Apim-Subscription-Key: HEADERKEY2, x-route: eu}\n" +
		"    phases:\n      - {name: p, duration: 1s, rate: 1, headers: {Authorization: Bearer TOKEN3}}\n"
	sc, err := Parse("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(sc, RecorderOptions{})
	rec.Request(RequestRecord{Status: 200})
	var buf bytes.Buffer
	if err := rec.Finish(time.Second).WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{"QUERYKEY1", "HEADERKEY2", "TOKEN3"} {
		if strings.Contains(out, secret) {
			t.Errorf("result.json holds %s", secret)
		}
	}
	for _, kept := range []string{`"x-route":"eu"`, "x=1", Redacted} {
		if !strings.Contains(strings.ReplaceAll(out, " ", ""), kept) {
			t.Errorf("result.json lacks %s", kept)
		}
	}
	// The scenario that runs keeps its values.
	if got := sc.Load[0].Headers["Ocp-Apim-Subscription-Key"]; got != "HEADERKEY2" {
		t.Errorf("the running scenario's header became %q", got)
	}
}
