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
