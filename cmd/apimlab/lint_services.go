package main

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
)

// pickServices keeps the services --service names (by name or label, case
// insensitively); no names keeps them all. A name that matches no service
// is an error listing the services found.
func pickServices(svcs []*apim.Service, names []string) ([]*apim.Service, error) {
	if len(names) == 0 {
		return svcs, nil
	}
	var out []*apim.Service
	for _, n := range names {
		found := false
		for _, s := range svcs {
			if strings.EqualFold(s.Name, n) || strings.EqualFold(s.Label(), n) {
				found = true
				if !containsService(out, s) {
					out = append(out, s)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("--service %q matches no service of the inputs (found: %s)", n, serviceList(svcs))
		}
	}
	return out, nil
}

func containsService(list []*apim.Service, s *apim.Service) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// serviceList names the services for messages.
func serviceList(svcs []*apim.Service) string {
	names := make([]string, 0, len(svcs))
	for _, s := range svcs {
		names = append(names, fmt.Sprintf("%q", s.Label()))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
