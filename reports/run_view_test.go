package reports

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/apimlab/apimlab/sim"
)

const s = time.Second

func tr(at time.Duration, inst int, backend, from, to string) sim.Transition {
	return sim.Transition{At: sim.Duration(at), Instance: inst, Backend: backend, From: from, To: to}
}

func TestBreakerBands(t *testing.T) {
	const (
		C = sim.StateClosed
		O = sim.StateOpen
		H = sim.StateHalfOpen
	)
	tests := []struct {
		name string
		ts   []sim.Transition
		want []band
	}{
		{"no transitions: closed throughout", nil, []band{{0, 40 * s, C}}},
		{"open and close", []sim.Transition{tr(10*s, 0, "a", C, O), tr(15*s, 0, "a", O, H), tr(16*s, 0, "a", H, C)},
			[]band{{0, 10 * s, C}, {10 * s, 15 * s, O}, {15 * s, 16 * s, H}, {16 * s, 40 * s, C}}},
		{"other backend and instance ignored", []sim.Transition{tr(5*s, 1, "a", C, O), tr(6*s, 0, "b", C, O)}, []band{{0, 40 * s, C}}},
		{"an instant half-open merges away", []sim.Transition{tr(10*s, 0, "a", C, O), tr(15*s, 0, "a", O, H), tr(15*s, 0, "a", H, O), tr(20*s, 0, "a", O, C)},
			[]band{{0, 10 * s, C}, {10 * s, 20 * s, O}, {20 * s, 40 * s, C}}},
		{"open at 0", []sim.Transition{tr(0, 0, "a", C, O)}, []band{{0, 40 * s, O}}},
		{"transition after the end is cut", []sim.Transition{tr(30*s, 0, "a", C, O), tr(50*s, 0, "a", O, C)},
			[]band{{0, 30 * s, C}, {30 * s, 40 * s, O}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := breakerBands(tt.ts, "a", 0, 40*s)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestRasterBands(t *testing.T) {
	C, O, H := sim.StateClosed, sim.StateOpen, sim.StateHalfOpen
	// Bands over 10 s: closed 0–3, open 3–3.5,
	// closed 3.5–7, half-open 7–7.1, closed 7.1–10.
	bands := []band{{0, 3 * s, C}, {3 * s, 3500 * time.Millisecond, O}, {3500 * time.Millisecond, 7 * s, C},
		{7 * s, 7100 * time.Millisecond, H}, {7100 * time.Millisecond, 10 * s, C}}
	// Four columns of 2.5 s: 0 (0–2.5) closed; 1 (2.5–5) has open; 2
	// (5–7.5) has half-open; 3 (7.5–10) closed.
	ms := time.Millisecond
	want := []band{{0, 2500 * ms, C}, {2500 * ms, 5 * s, O}, {5 * s, 7500 * ms, H}, {7500 * ms, 10 * s, C}}
	if got := rasterBands(bands, 10*s, 4); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if got := rasterBands(bands, 10*s, 5000); len(got) != len(bands) {
		t.Errorf("with room for every band, got %d bands, want them unchanged", len(got))
	}
	// Neighbouring columns in the same state merge.
	flap := []band{{0, 1 * s, C}, {1 * s, 2 * s, O}, {2 * s, 3 * s, C}, {3 * s, 4 * s, O}, {4 * s, 10 * s, C}}
	want = []band{{0, 5 * s, O}, {5 * s, 10 * s, C}}
	if got := rasterBands(flap, 10*s, 2); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("flapping: got %v\nwant %v", got, want)
	}
}

func TestNewAxis(t *testing.T) {
	tests := []struct {
		length, bucket time.Duration
		maxCols        int
		per            int64
		cols           int
		lastSecs       float64
	}{
		{40 * s, s, 600, 1, 40, 1},
		{24 * time.Hour, s, 600, 144, 600, 144},
		{100 * s, s, 30, 4, 25, 4},
		{101 * s, s, 30, 4, 26, 1},                // 101 buckets: 25 full columns and one of 1 bucket
		{1500 * time.Millisecond, s, 10, 1, 2, 1}, // a partial last bucket counts as a bucket
	}
	for _, tt := range tests {
		r := &sim.Result{Run: sim.RunInfo{Length: sim.Duration(tt.length), Bucket: sim.Duration(tt.bucket)}}
		a := newAxis(r, tt.maxCols)
		if a.Per != tt.per || a.Cols != tt.cols || a.colSeconds(a.Cols-1) != tt.lastSecs {
			t.Errorf("newAxis(%s, %s, %d) = per %d, cols %d, last %.0fs; want %d, %d, %.0fs",
				tt.length, tt.bucket, tt.maxCols, a.Per, a.Cols, a.colSeconds(a.Cols-1), tt.per, tt.cols, tt.lastSecs)
		}
	}
}

func TestAttemptRatesDownsampled(t *testing.T) {
	// 10 one-second buckets in 5 columns: column c sums buckets 2c, 2c+1
	// of both instances, divided by 2 s.
	r := &sim.Result{Run: sim.RunInfo{Length: sim.Duration(10 * s), Bucket: sim.Duration(s)},
		Series: []sim.Series{
			{Backend: "a", Instance: 0, Points: []sim.Point{{T: 0, Requests: 4}, {T: 1, Requests: 2}, {T: 9, Requests: 6}}},
			{Backend: "a", Instance: 1, Points: []sim.Point{{T: 1, Requests: 2}, {T: 12, Requests: 2}}}, // late: last column
		}}
	got := attemptRates(r, newAxis(r, 5))["a"]
	want := []float64{(4 + 2 + 2) / 2.0, 0, 0, 0, (6 + 2) / 2.0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSparkline(t *testing.T) {
	tests := []struct {
		v    []float64
		top  float64
		want string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7, 8}, 8, "·▁▂▃▄▅▆▇█"},
		{[]float64{0.01, 8, 9}, 8, "▁██"},
		{[]float64{0, 0}, 0, "··"},
		{nil, 1, ""},
	}
	for _, tt := range tests {
		if got := sparkline(tt.v, tt.top); got != tt.want {
			t.Errorf("sparkline(%v, %g) = %q, want %q", tt.v, tt.top, got, tt.want)
		}
	}
}

func TestDistribution(t *testing.T) {
	r := &sim.Result{Backends: []sim.BackendInfo{{Name: "p", Kind: "Pool"}, {Name: "solo"}, {Name: "a"}, {Name: "b"}}}
	p := &sim.PhaseResult{
		Served: map[string]uint64{"a": 60, "b": 20, "solo": 10, "zeta": 5, "none": 5},
		Shares: []sim.Share{
			{Pool: "p", Backend: "a", Served: 60, Observed: 0.75, Expected: 0.70}, // 5 points off: marked
			{Pool: "p", Backend: "b", Served: 20, Observed: 0.25, Expected: 0.27}, // 2 points: not marked
			{Pool: "p", Backend: "c", Served: 0, Observed: 0, Expected: -1},       // unknown: never marked
		},
	}
	got := distribution(r, p)
	want := []struct {
		backend  string
		share    float64
		deviates bool
	}{{"a", 0.6, true}, {"b", 0.2, false}, {"c", 0, false}, {"solo", 0.1, false}, {"zeta", 0.05, false}, {"none", 0.05, false}}
	if len(got) != len(want) {
		t.Fatalf("got %d rows %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Backend != w.backend || math.Abs(g.Share-w.share) > 1e-12 || g.Deviates != w.deviates {
			t.Errorf("row %d = %s share %.3f deviates %v; want %s %.3f %v", i, g.Backend, g.Share, g.Deviates, w.backend, w.share, w.deviates)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtDur(90 * s), "1m30s"}, {fmtDur(2 * time.Minute), "2m"}, {fmtDur(2 * time.Hour), "2h"},
		{fmtDur(3*time.Hour + 30*time.Minute), "3h30m"}, {fmtDur(0), "0s"}, {fmtDur(250 * time.Millisecond), "250ms"},
		{fmtLat(22015999 * time.Nanosecond), "22ms"}, {fmtLat(2345678 * time.Nanosecond), "2.35ms"},
		{fmtLat(1234567 * time.Microsecond), "1.235s"}, {fmtLat(512345 * time.Nanosecond), "512µs"},
		{fmt.Sprint(niceCeil(0)), "1"}, {fmt.Sprint(niceCeil(3)), "5"}, {fmt.Sprint(niceCeil(4.0)), "5"},
		{fmt.Sprint(niceCeil(10)), "10"}, {fmt.Sprint(niceCeil(11)), "20"}, {fmt.Sprint(niceCeil(0.3)), "0.5"},
		{niceTick(40 * s).String(), "5s"}, {niceTick(24 * time.Hour).String(), "2h0m0s"},
		{statusMix(map[string]uint64{"503": 2, "0": 1, "200": 38}), "error×1 200×38 503×2"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
