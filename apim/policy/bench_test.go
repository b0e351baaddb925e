package policy

import (
	"os"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/tolerant.xml")
	if err != nil {
		b.Fatal(err)
	}
	doc := &apim.PolicyDoc{XML: string(data), Pos: apim.Position{File: "tolerant.xml", Line: 1, Col: 1}}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
