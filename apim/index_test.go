package apim

import (
	"sync"
	"testing"
)

func TestServiceLookups(t *testing.T) {
	svc := &Service{Backends: []*Backend{{Name: "Orders"}, {Name: "billing"}, {Name: "orders"}}}
	if b := svc.Backend("ORDERS"); b == nil || b.Name != "Orders" {
		t.Errorf("Backend(ORDERS) = %+v, want the first declaration", b)
	}
	if svc.Backend("shipping") != nil {
		t.Error("Backend(shipping) found something")
	}
	// The index follows appends.
	svc.Backends = append(svc.Backends, &Backend{Name: "Shipping"})
	if b := svc.Backend("shipping"); b == nil {
		t.Error("a backend appended after the first lookup is not found")
	}
	svc.Certificates = []*Certificate{{Name: "Client-A"}}
	if c := svc.Certificate("client-a"); c == nil {
		t.Error("Certificate(client-a) not found")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if svc.Backend("billing") == nil {
				t.Error("concurrent lookup failed")
			}
		})
	}
	wg.Wait()
}
