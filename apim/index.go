package apim

import "sync"

// lookupIndex maps lower-cased names to backends and certificates so that
// Service.Backend and Service.Certificate are O(1): rules look members up
// for every pool of a 10,000-backend service. The index is rebuilt when
// the slices it was built from change length (loaders only append), and
// is safe for concurrent readers.
type lookupIndex struct {
	mu           sync.Mutex
	backends     map[string]*Backend
	backendsN    int
	certificates map[string]*Certificate
	certsN       int
}

func (ix *lookupIndex) backend(s *Service, name string) *Backend {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.backends == nil || ix.backendsN != len(s.Backends) {
		ix.backends = make(map[string]*Backend, len(s.Backends))
		for _, b := range s.Backends {
			k := lowerASCII(b.Name)
			if _, dup := ix.backends[k]; !dup { // the first declaration wins, as a scan would
				ix.backends[k] = b
			}
		}
		ix.backendsN = len(s.Backends)
	}
	return ix.backends[lowerASCII(name)]
}

func (ix *lookupIndex) certificate(s *Service, id string) *Certificate {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.certificates == nil || ix.certsN != len(s.Certificates) {
		ix.certificates = make(map[string]*Certificate, len(s.Certificates))
		for _, c := range s.Certificates {
			k := lowerASCII(c.Name)
			if _, dup := ix.certificates[k]; !dup {
				ix.certificates[k] = c
			}
		}
		ix.certsN = len(s.Certificates)
	}
	return ix.certificates[lowerASCII(id)]
}

// lowerASCII folds ASCII letters only, matching equalFold.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
