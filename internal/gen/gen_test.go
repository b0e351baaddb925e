package gen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestARM(t *testing.T) {
	data := ARM(25, 4)
	var tpl struct {
		Resources []struct {
			Type       string
			Name       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var singles, pools, apis, policies int
	for _, r := range tpl.Resources {
		switch r.Type {
		case "Microsoft.ApiManagement/service/backends":
			if r.Properties["type"] == "Pool" {
				pools++
			} else {
				singles++
			}
		case "Microsoft.ApiManagement/service/apis":
			apis++
		case "Microsoft.ApiManagement/service/apis/policies":
			policies++
			if v, _ := r.Properties["value"].(string); !strings.Contains(v, `backend-id="pool-`) {
				t.Errorf("policy %s does not route to a pool: %s", r.Name, v)
			}
		}
	}
	if singles != 23 || pools != 2 || apis != 4 || policies != 4 {
		t.Errorf("got %d singles, %d pools, %d APIs, %d policies; want 23, 2, 4, 4", singles, pools, apis, policies)
	}
	if !bytes.Equal(data, ARM(25, 4)) {
		t.Error("ARM is not deterministic")
	}
	if err := json.Unmarshal(ARM(0, 0), &tpl); err != nil {
		t.Errorf("empty template is not JSON: %v", err)
	}
}

func TestFloor(t *testing.T) {
	var out bytes.Buffer
	n, err := Floor(ARM(100, 10), &out)
	if err != nil || n != 0 {
		t.Fatalf("Floor: %d findings, %v\n%s", n, err, out.String())
	}
	bad := bytes.Replace(ARM(20, 2), []byte(`"validateCertificateName": true`), []byte(`"validateCertificateName": false`), 1)
	bad = bytes.Replace(bad, []byte(`backend-id=\"pool-00020\"`), []byte(`backend-id=\"nope\"`), 1)
	if n, err := Floor(bad, &out); err != nil || n != 2 {
		t.Fatalf("Floor on bad input: %d findings, %v", n, err)
	}
}
