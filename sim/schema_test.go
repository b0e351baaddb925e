package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/apimlab/apimlab/internal/schemagen"
)

func TestSchemaUpToDate(t *testing.T) {
	schema, err := GenerateSchema()
	if err != nil {
		t.Fatal(err)
	}
	if err := schemagen.Check(filepath.Join("..", SchemaFile), schema, "go generate ./sim"); err != nil {
		t.Fatal(err)
	}
}

// TestShippedScenariosMatchSchema validates every shipped scenario against
// the generated schema (what an editor checks) and with the decoder (what
// apimlab checks), and checks that each points editors at the schema.
func TestShippedScenariosMatchSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("..", SchemaFile))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../fixtures/scenarios/*.yaml")
	if err != nil || len(files) < 9 {
		t.Fatalf("found %d shipped scenarios (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), "$schema=../../"+SchemaFile) {
				t.Errorf("%s has no yaml-language-server $schema line", f)
			}
			j, err := yaml.YAMLToJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("schema rejects %s: %v", f, err)
			}
			if _, err := Load(f); err != nil {
				t.Errorf("decoder rejects %s: %v", f, err)
			}
		})
	}
	// And the schema is strict where the decoder is: an unknown key fails.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"name": "x", "config": "a", "load": [], "bogus": 1}`))
	if err := sch.Validate(bad); err == nil {
		t.Error("the schema accepts an unknown top-level key")
	}
}

func TestResultSchema(t *testing.T) {
	schema, err := GenerateResultSchema()
	if err != nil {
		t.Fatal(err)
	}
	if err := schemagen.Check(filepath.Join("..", ResultSchemaFile), schema, "go generate ./sim"); err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join("..", ResultSchemaFile))
	if err != nil {
		t.Fatal(err)
	}
	// A result with every part filled: phases, shares, series, clients,
	// transitions, faults, open attempts, assertions.
	sc, err := Load("../fixtures/scenarios/retry-after.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(sc, RecorderOptions{Backends: []BackendInfo{{Name: "payments", Kind: "Single", URL: "https://payments.contoso.example"}}})
	rec.Transition(Transition{At: Duration(30 * time.Second), Backend: "payments", From: StateClosed, To: StateOpen, Reason: "failure-count", OpenFor: Duration(time.Minute)})
	rec.Attempt(31*time.Second, 0, "payments", 429, time.Millisecond)
	rec.Request(RequestRecord{Phase: 1, At: 31 * time.Second, Latency: time.Millisecond, Status: 503, Reason: "BackendCircuitBreakerOpen"})
	res := rec.Finish(time.Second)
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("the result schema rejects a result: %v", err)
	}
}
