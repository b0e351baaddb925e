package model

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/sim"
)

// ErrSweep is wrapped by every error about a sweep specification.
var ErrSweep = errors.New("model: sweep")

// SweepSpec is a what-if sweep: one scenario field set to each value in
// turn, written "path=from:to:step" on the command line
// ("backends.orders-east.faults[0].rate=0:0.2:0.01",
// "load[0].phases[1].rate=100:400:50").
type SweepSpec struct {
	// Path is the scenario field, in YAML key names: dot-separated, with
	// [i] for list items; backend names are matched case-insensitively,
	// and a stream or phase may be named instead of indexed
	// (load[orders].phases[peak].rate).
	Path string
	// Values are the values, in order.
	Values []float64
}

// maxSweepValues bounds a sweep's length.
const maxSweepValues = 1000

// ParseSweep parses "path=from:to:step" (or "path=v1,v2,v3"). The range
// includes to when it falls on a step (within rounding).
func ParseSweep(s string) (SweepSpec, error) {
	path, rng, ok := strings.Cut(s, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		return SweepSpec{}, fmt.Errorf("%w: %q: write path=from:to:step", ErrSweep, s)
	}
	spec := SweepSpec{Path: path}
	num := func(x string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%w: %q is not a number", ErrSweep, x)
		}
		return v, nil
	}
	if parts := strings.Split(rng, ":"); len(parts) == 3 {
		from, err1 := num(parts[0])
		to, err2 := num(parts[1])
		step, err3 := num(parts[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return SweepSpec{}, err
		}
		if step <= 0 || to < from {
			return SweepSpec{}, fmt.Errorf("%w: %q: need from <= to and step > 0", ErrSweep, rng)
		}
		n := int(math.Floor((to-from)/step+1e-9)) + 1
		if n > maxSweepValues {
			return SweepSpec{}, fmt.Errorf("%w: %q gives %d values, more than %d", ErrSweep, rng, n, maxSweepValues)
		}
		for i := range n {
			// Round to the step's precision so 0.1+0.2 prints as 0.3.
			v := from + float64(i)*step
			spec.Values = append(spec.Values, math.Round(v*1e9)/1e9)
		}
		return spec, nil
	}
	for _, x := range strings.Split(rng, ",") {
		v, err := num(x)
		if err != nil {
			return SweepSpec{}, err
		}
		spec.Values = append(spec.Values, v)
	}
	if len(spec.Values) > maxSweepValues {
		return SweepSpec{}, fmt.Errorf("%w: more than %d values", ErrSweep, maxSweepValues)
	}
	return spec, nil
}

// SweepPoint is one line of a sweep.
type SweepPoint struct {
	// Value is the swept field's value.
	Value float64 `json:"value"`
	// TripsPerDay is how often the breaker opened, per gateway instance,
	// scaled to 24 h of scenario time.
	TripsPerDay float64 `json:"tripsPerDay"`
	// OpenMinutesPerDay is how long it stayed open, per instance, in
	// minutes per 24 h.
	OpenMinutesPerDay float64 `json:"openMinutesPerDay"`
	// ClientErrorRate is the share of client requests that got a 5xx or no
	// response, over the whole scenario.
	ClientErrorRate float64 `json:"clientErrorRate"`
	// MovedShare is the share of the backend's pool traffic served by
	// members of another priority than the backend's (0 when the backend
	// is in no pool).
	MovedShare float64 `json:"movedShare"`
	// Requests is the number of client requests simulated.
	Requests uint64 `json:"requests"`
}

// SweepResult is a whole sweep.
type SweepResult struct {
	// Path is the swept field.
	Path string `json:"path"`
	// Backend is the backend whose breaker the trips and open time are
	// about ("" means every breaker).
	Backend string `json:"backend"`
	// Points are in value order.
	Points []SweepPoint `json:"points"`
}

// SweepOptions configure Sweep.
type SweepOptions struct {
	// Run is passed to each run.
	Run Options
	// Backend is the backend whose breaker is measured. "" means the
	// backend the path names (backends.NAME…), or every breaker when the
	// path names none.
	Backend string
	// Workers is the number of runs at once; 0 means 2.
	Workers int
}

// Sweep runs sc once per value of spec, on a copy of the scenario with
// the field set, and summarises each run in one line.
func Sweep(ctx context.Context, svc *apim.Service, sc *sim.Scenario, spec SweepSpec, opts SweepOptions) (*SweepResult, error) {
	if len(spec.Values) == 0 {
		return nil, fmt.Errorf("%w: no values", ErrSweep)
	}
	backend := opts.Backend
	if backend == "" {
		if rest, ok := strings.CutPrefix(spec.Path, "backends."); ok {
			backend, _, _ = strings.Cut(rest, ".")
		}
	}
	// Check the path once, on a throw-away copy, before running anything.
	probe, err := cloneScenario(sc)
	if err != nil {
		return nil, err
	}
	if err := SetField(probe, spec.Path, spec.Values[0]); err != nil {
		return nil, err
	}
	out := &SweepResult{Path: spec.Path, Backend: backend, Points: make([]SweepPoint, len(spec.Values))}
	workers := opts.Workers
	if workers <= 0 {
		workers = 2
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range min(workers, len(spec.Values)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p, err := sweepOne(ctx, svc, sc, spec.Path, spec.Values[i], backend, opts.Run)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				out.Points[i] = p
				mu.Unlock()
			}
		}()
	}
	for i := range spec.Values {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func sweepOne(ctx context.Context, svc *apim.Service, sc *sim.Scenario, path string, v float64, backend string, opts Options) (SweepPoint, error) {
	c, err := cloneScenario(sc)
	if err != nil {
		return SweepPoint{}, err
	}
	if err := SetField(c, path, v); err != nil {
		return SweepPoint{}, err
	}
	c.Expect = nil // assertions are about one scenario, not a sweep
	res, err := Run(ctx, svc, c, opts)
	if err != nil {
		return SweepPoint{}, fmt.Errorf("%s=%g: %w", path, v, err)
	}
	p := Summarize(res, backend)
	p.Value = v
	return p, nil
}

// Summarize computes a sweep line from a result: trips and open time of
// backend's breaker (every breaker when backend is ""), per instance and
// scaled to a day, the client error rate and the share of backend's pool
// traffic served by another priority group.
func Summarize(res *sim.Result, backend string) SweepPoint {
	var p SweepPoint
	length := res.Run.Length.D()
	instances := max(res.Run.Instances, 1)
	days := length.Hours() / 24
	type key struct {
		backend  string
		instance int
	}
	opened := map[key]time.Duration{}
	var trips int
	var open time.Duration
	for _, t := range res.Transitions {
		if backend != "" && !strings.EqualFold(t.Backend, backend) {
			continue
		}
		k := key{strings.ToLower(t.Backend), t.Instance}
		if t.To == sim.StateOpen {
			trips++
			if _, ok := opened[k]; !ok {
				opened[k] = t.At.D()
			}
		} else if at, ok := opened[k]; ok {
			open += t.At.D() - at
			delete(opened, k)
		}
	}
	for _, at := range opened {
		open += max(length-at, 0)
	}
	if days > 0 {
		p.TripsPerDay = float64(trips) / float64(instances) / days
		p.OpenMinutesPerDay = open.Minutes() / float64(instances) / days
	}
	var bad float64
	var pools = map[string]bool{}
	var moved, poolTotal uint64
	prio := map[string]int{}
	for _, b := range res.Backends {
		for _, m := range b.Members {
			if strings.EqualFold(m.Backend, backend) {
				pools[b.Name] = true
				prio[b.Name] = m.Priority
			}
		}
	}
	for _, ph := range res.Phases {
		p.Requests += ph.Requests
		bad += ph.ErrorRate * float64(ph.Requests)
		for _, s := range ph.Shares {
			if !pools[s.Pool] {
				continue
			}
			poolTotal += s.Served
			if memberPriority(res, s.Pool, s.Backend) != prio[s.Pool] {
				moved += s.Served
			}
		}
	}
	if p.Requests > 0 {
		p.ClientErrorRate = bad / float64(p.Requests)
	}
	if poolTotal > 0 {
		p.MovedShare = float64(moved) / float64(poolTotal)
	}
	return p
}

func memberPriority(res *sim.Result, pool, backend string) int {
	for _, b := range res.Backends {
		if b.Name != pool {
			continue
		}
		for _, m := range b.Members {
			if strings.EqualFold(m.Backend, backend) {
				return m.Priority
			}
		}
	}
	return -1
}

// sweepColumns are the CSV header.
var sweepColumns = []string{"value", "trips_per_day", "open_minutes_per_day", "client_error_rate", "moved_share", "requests"}

// WriteCSV writes the sweep as CSV with a header line.
func (r *SweepResult) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(sweepColumns); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, p := range r.Points {
		if err := cw.Write([]string{f(p.Value), f(p.TripsPerDay), f(p.OpenMinutesPerDay), f(p.ClientErrorRate), f(p.MovedShare), strconv.FormatUint(p.Requests, 10)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the sweep as indented JSON.
func (r *SweepResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// cloneScenario deep-copies a scenario through its JSON form (every field
// has one), keeping the file and positions.
func cloneScenario(sc *sim.Scenario) (*sim.Scenario, error) {
	b, err := json.Marshal(sc)
	if err != nil {
		return nil, fmt.Errorf("%w: copying the scenario: %w", ErrSweep, err)
	}
	c := &sim.Scenario{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("%w: copying the scenario: %w", ErrSweep, err)
	}
	c.File, c.Pos = sc.File, sc.Pos
	return c, nil
}

// SetField sets the scenario field at path (see SweepSpec.Path) to v:
// a number field takes v, an integer field v rounded, a duration field v
// seconds; an unset optional field is created.
func SetField(sc *sim.Scenario, path string, v float64) error {
	cur := reflect.ValueOf(sc).Elem()
	segs := strings.Split(path, ".")
	for si := 0; si < len(segs); si++ {
		seg := segs[si]
		name, index, hasIndex := seg, "", false
		if i := strings.IndexByte(seg, '['); i >= 0 && strings.HasSuffix(seg, "]") {
			name, index, hasIndex = seg[:i], seg[i+1:len(seg)-1], true
		}
		where := strings.Join(segs[:si+1], ".")
		if cur.Kind() == reflect.Map {
			key, ok := mapKey(cur, name)
			if !ok {
				return fmt.Errorf("%w: %s: no %q (known: %s)", ErrSweep, where, name, strings.Join(mapKeys(cur), ", "))
			}
			cur = deref(cur.MapIndex(key))
		} else {
			f, ok := fieldByTag(cur, name)
			if !ok {
				return fmt.Errorf("%w: %s: no field %q", ErrSweep, where, name)
			}
			cur = f
		}
		if hasIndex {
			if cur.Kind() != reflect.Slice {
				return fmt.Errorf("%w: %s: %q is not a list", ErrSweep, where, name)
			}
			i, err := sliceIndex(cur, index)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrSweep, where, err)
			}
			cur = deref(cur.Index(i))
		}
		if !cur.IsValid() {
			return fmt.Errorf("%w: %s is empty", ErrSweep, where)
		}
		if si < len(segs)-1 {
			cur = deref(cur)
		}
	}
	return setNumber(cur, v, path)
}

func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && v.Kind() == reflect.Pointer {
		if v.IsNil() {
			if !v.CanSet() {
				return reflect.Value{}
			}
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	return v
}

func mapKey(m reflect.Value, name string) (reflect.Value, bool) {
	for _, k := range m.MapKeys() {
		if strings.EqualFold(k.String(), name) {
			return k, true
		}
	}
	return reflect.Value{}, false
}

func mapKeys(m reflect.Value) []string {
	var out []string
	for _, k := range m.MapKeys() {
		out = append(out, k.String())
	}
	return out
}

// fieldByTag finds the field whose YAML name is name, looking into
// inline (embedded) structs.
func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	if v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			if fv, ok := fieldByTag(v.Field(i), name); ok {
				return fv, true
			}
			continue
		}
		if tag == name && tag != "" && tag != "-" {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// sliceIndex resolves [i] or [name] (an element whose name field is name).
func sliceIndex(s reflect.Value, index string) (int, error) {
	if i, err := strconv.Atoi(index); err == nil {
		if i < 0 || i >= s.Len() {
			return 0, fmt.Errorf("index %d out of range (%d items)", i, s.Len())
		}
		return i, nil
	}
	for i := range s.Len() {
		e := deref(s.Index(i))
		if f, ok := fieldByTag(e, "name"); ok && f.Kind() == reflect.String && f.String() == index {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no item named %q", index)
}

var durationType = reflect.TypeOf(sim.Duration(0))

func setNumber(f reflect.Value, v float64, path string) error {
	if f.Kind() == reflect.Pointer {
		f = deref(f)
	}
	if !f.IsValid() || !f.CanSet() {
		return fmt.Errorf("%w: %s cannot be set", ErrSweep, path)
	}
	switch {
	case f.Type() == durationType:
		f.SetInt(int64(v * float64(time.Second)))
	case f.Kind() == reflect.Float64:
		f.SetFloat(v)
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		f.SetInt(int64(math.Round(v)))
	case f.Kind() == reflect.Uint64:
		f.SetUint(uint64(math.Max(0, math.Round(v))))
	default:
		return fmt.Errorf("%w: %s is a %s, not a number", ErrSweep, path, f.Type())
	}
	return nil
}
