package pool

import (
	"math"
	"testing"
)

func TestSharesWhen(t *testing.T) {
	members := []Member{
		{Name: "east", Priority: 1, Weight: 3},
		{Name: "west", Priority: 1, Weight: 1},
		{Name: "standby", Priority: 1, Weight: 0},
		{Name: "onprem", Priority: 2},
	}
	p, err := New(members)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		up   []bool
		want []float64
	}{
		{"all up: 3:1, the 0-weight standby gets nothing", []bool{true, true, true, true}, []float64{0.75, 0.25, 0, 0}},
		{"east down: west alone", []bool{false, true, true, true}, []float64{0, 1, 0, 0}},
		{"weighted members down: the 0-weight member takes the group", []bool{false, false, true, true}, []float64{0, 0, 1, 0}},
		{"priority 1 down: priority 2", []bool{false, false, false, true}, []float64{0, 0, 0, 1}},
		{"nothing up", []bool{false, false, false, false}, []float64{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.SharesWhen(tt.up)
			for i := range tt.want {
				if math.Abs(got[i]-tt.want[i]) > 1e-12 {
					t.Fatalf("SharesWhen = %v, want %v", got, tt.want)
				}
			}
		})
	}
}
