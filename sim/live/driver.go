package live

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/apimlab/apimlab/sim"
)

// stream yields the arrivals of one load stream, phase after phase, as
// scenario times.
type stream struct {
	e      *engine
	index  int
	phase  int
	offset time.Duration // start of the current phase
	arr    *sim.Arrivals
	req    sim.Request
	head   *arrival // next arrival, nil when the stream is over
}

func (e *engine) newStream(i int) *stream {
	s := &stream{e: e, index: i, phase: -1}
	s.advance()
	return s
}

// advance loads the stream's next arrival into head.
func (s *stream) advance() {
	st := s.e.sc.Load[s.index]
	for {
		if s.arr != nil {
			if t, ok := s.arr.Next(); ok {
				req := s.req
				s.head = &arrival{stream: s.index, phase: s.phase, at: s.offset + t, req: &req}
				return
			}
			s.offset += st.Phases[s.phase].Duration.D()
		}
		s.phase++
		if s.phase >= len(st.Phases) {
			s.head = nil
			return
		}
		ph := st.Phases[s.phase]
		s.arr = sim.NewArrivals(ph, s.e.streamRNG(s.index, s.phase)).Shard(s.e.opts.Shard.Index, s.e.opts.Shard.Count)
		s.req = st.RequestFor(ph)
	}
}

// streamHeap merges streams by their next arrival (ties: stream order).
type streamHeap []*stream

func (h streamHeap) Len() int { return len(h) }
func (h streamHeap) Less(i, j int) bool {
	if h[i].head.at != h[j].head.at {
		return h[i].head.at < h[j].head.at
	}
	return h[i].index < h[j].index
}
func (h streamHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *streamHeap) Push(x any)   { *h = append(*h, x.(*stream)) }
func (h *streamHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}

// boundary is a fault switch the engine applies itself (refuse windows
// close and reopen listeners; every other fault is decided per request).
type boundary struct {
	at time.Duration
	f  *fake
	on bool
}

func (e *engine) boundaries() []boundary {
	var out []boundary
	for _, f := range e.fakes {
		if f.spec == nil {
			continue
		}
		for _, ft := range f.spec.Faults {
			if ft.Kind != sim.FaultRefuse {
				continue
			}
			to := ft.To.D()
			if to == 0 {
				to = e.length
			}
			out = append(out, boundary{at: ft.From.D(), f: f, on: true}, boundary{at: to, f: f, on: false})
		}
	}
	slices.SortStableFunc(out, func(a, b boundary) int { return int(a.at - b.at) })
	return out
}

// runVirtual drives the run on the virtual clock: one vegeta attack whose
// pacer hands out the merged arrivals of every stream, each released only
// when the clock has been moved to its instant and every request before it
// is done or waiting on the clock.
func (e *engine) runVirtual(ctx context.Context) error {
	var h streamHeap
	for i := range e.sc.Load {
		if s := e.newStream(i); s.head != nil {
			h = append(h, s)
		}
	}
	heap.Init(&h)
	bounds := e.boundaries()

	release := make(chan *arrival)         // driver → pacer
	toTarget := make(chan *arrival, 1<<16) // pacer → targeter
	pacer := &releasePacer{in: release, out: toTarget}
	atk := vegeta.NewAttacker(
		vegeta.Client(e.client),
		vegeta.Workers(8),
		vegeta.MaxWorkers(1<<20), // concurrency follows the arrivals, never the workers
	)
	results := atk.Attack(e.target(toTarget), pacer, 0, "apimlab-sim")
	var enc vegeta.Encoder
	if e.opts.VegetaResults != nil {
		enc = vegeta.NewEncoder(e.opts.VegetaResults)
	}
	var collectErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); collectErr = e.collect(results, enc) }()

	driveErr := e.drive(ctx, &h, bounds, release)
	close(release)
	if driveErr != nil {
		atk.Stop()
	}
	wg.Wait()
	// Restore refused listeners' state for a clean shutdown.
	for _, b := range bounds {
		_ = b.f.refuse(false)
	}
	if driveErr != nil {
		return driveErr
	}
	return collectErr
}

// drive is the virtual clock's event loop.
func (e *engine) drive(ctx context.Context, h *streamHeap, bounds []boundary, release chan<- *arrival) error {
	v := e.virtual
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.settle(ctx); err != nil {
			return err
		}
		// The earliest of: next arrival, next timer, next fault boundary.
		const (
			none = iota
			evArrival
			evTimer
			evBound
		)
		kind, at := none, time.Duration(0)
		if h.Len() > 0 {
			kind, at = evArrival, (*h)[0].head.at
		}
		if t, ok := v.Next(); ok {
			if d := t.Sub(e.start); kind == none || d < at {
				kind, at = evTimer, d
			}
		}
		if len(bounds) > 0 && (kind == none || bounds[0].at <= at) {
			kind, at = evBound, bounds[0].at
		}
		switch kind {
		case none:
			e.mu.Lock()
			n := len(e.inflight)
			e.mu.Unlock()
			if n == 0 {
				v.AdvanceTo(e.start.Add(e.length))
				return nil
			}
			return fmt.Errorf("%w: %d request(s) wait on the clock with nothing scheduled to wake them", errStalled, n)
		case evTimer:
			v.AdvanceTo(e.start.Add(at))
		case evBound:
			v.AdvanceTo(e.start.Add(at))
			b := bounds[0]
			if err := b.f.refuse(b.on); err != nil {
				return err
			}
			bounds = bounds[1:]
		case evArrival:
			s := (*h)[0]
			a := s.head
			s.advance()
			if s.head == nil {
				heap.Pop(h)
			} else {
				heap.Fix(h, 0)
			}
			v.AdvanceTo(e.start.Add(a.at))
			a.id = e.nextID.Add(1)
			name := e.sc.Load[a.stream].Name + "/" + e.sc.Load[a.stream].Phases[a.phase].Name
			e.phases[a.stream].Store(&name)
			e.started(a)
			e.sent.Add(1)
			select {
			case release <- a:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// settle waits until every request in flight is waiting on the clock
// (or untagged sleepers could account for it).
func (e *engine) settle(ctx context.Context) error {
	v := e.virtual
	timeout := e.opts.StallTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	poll := time.NewTicker(2 * time.Millisecond)
	defer poll.Stop()
	for {
		e.mu.Lock()
		changed := e.changed
		var busy []uint64
		for id := range e.inflight {
			if !v.Blocked(id) {
				busy = append(busy, id)
			}
		}
		e.mu.Unlock()
		if len(busy) == 0 || len(busy) <= v.Untagged() {
			return nil
		}
		if time.Now().After(deadline) {
			slices.Sort(busy)
			return fmt.Errorf("%w for %s (requests %v at scenario time %s)", errStalled, timeout, busy[:min(len(busy), 5)], e.now())
		}
		select {
		case <-changed:
		case <-v.Changed():
		case <-poll.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// releasePacer is the vegeta Pacer of a virtual-clock run: each hit waits
// for the driver to release its arrival.
type releasePacer struct {
	in  <-chan *arrival
	out chan<- *arrival
}

// Pace implements vegeta.Pacer.
func (p *releasePacer) Pace(time.Duration, uint64) (time.Duration, bool) {
	a, ok := <-p.in
	if !ok {
		close(p.out)
		return 0, true
	}
	p.out <- a
	return 0, false
}

// Rate implements vegeta.Pacer; the virtual clock has no wall-clock rate.
func (p *releasePacer) Rate(time.Duration) float64 { return 0 }

// runWall runs each stream's phases with vegeta pacing on the wall clock;
// the scaled clock compresses scenario time by the speed.
func (e *engine) runWall(ctx context.Context) error {
	began := e.began
	wall := func(d time.Duration) time.Duration { return time.Duration(float64(d) / e.opts.Speed) }
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	// Refuse windows switch on wall-clock timers.
	var timers []*time.Timer
	var bmu sync.Mutex
	var bErr error
	for _, b := range e.boundaries() {
		b := b
		timers = append(timers, time.AfterFunc(wall(b.at), func() {
			if err := b.f.refuse(b.on); err != nil {
				bmu.Lock()
				bErr = err
				bmu.Unlock()
			}
		}))
	}
	defer func() {
		for _, t := range timers {
			t.Stop()
		}
		for _, f := range e.fakes {
			_ = f.refuse(false)
		}
	}()
	var enc vegeta.Encoder
	var encMu sync.Mutex
	if e.opts.VegetaResults != nil {
		enc = vegeta.NewEncoder(e.opts.VegetaResults)
	}
	errs := make([]error, len(e.sc.Load))
	for i, st := range e.sc.Load {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var offset time.Duration
			for j, ph := range st.Phases {
				if wait := wall(offset) - time.Since(began); wait > 0 {
					select {
					case <-time.After(wait):
					case <-ctx.Done():
						return
					}
				}
				name := st.Name + "/" + ph.Name
				e.phases[i].Store(&name)
				if err := e.wallPhase(ctx, i, j, offset, enc, &encMu); err != nil {
					errs[i] = err
					cancel()
					return
				}
				offset += ph.Duration.D()
			}
		}()
	}
	wg.Wait()
	bmu.Lock()
	defer bmu.Unlock()
	if bErr != nil {
		return bErr
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// wallPhase runs one phase of stream i at offset with vegeta's attacker.
func (e *engine) wallPhase(ctx context.Context, i, j int, offset time.Duration, enc vegeta.Encoder, encMu *sync.Mutex) error {
	st := e.sc.Load[i]
	ph := st.Phases[j]
	req := st.RequestFor(ph)
	workers := uint64(ph.MaxWorkers)
	if workers == 0 {
		workers = DefaultMaxWorkers
	}
	next := make(chan *arrival, 64)
	pacer := sim.NewPacerOf(sim.NewArrivals(ph, e.streamRNG(i, j)).Shard(e.opts.Shard.Index, e.opts.Shard.Count), e.opts.Speed)
	counting := &wallPacer{Pacer: pacer, e: e, next: next, stream: i, phase: j, offset: offset, req: &req}
	atk := vegeta.NewAttacker(vegeta.Client(e.client), vegeta.Workers(min(workers, 16)), vegeta.MaxWorkers(workers))
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	results := atk.Attack(e.target(next), counting, 0, st.Name+"/"+ph.Name)
	var locked vegeta.Encoder
	if enc != nil {
		locked = func(r *vegeta.Result) error { encMu.Lock(); defer encMu.Unlock(); return enc.Encode(r) }
	}
	return e.collect(results, locked)
}

// wallPacer wraps sim.Pacer: for every hit it is about to allow, it queues
// the arrival (with the scenario time it is sent at) for the targeter.
type wallPacer struct {
	*sim.Pacer
	e             *engine
	next          chan *arrival
	stream, phase int
	offset        time.Duration
	req           *sim.Request
}

// Pace implements vegeta.Pacer.
func (p *wallPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	wait, stop := p.Pacer.Pace(elapsed, hits)
	if stop {
		close(p.next)
		return 0, true
	}
	// vegeta sends the hit after sleeping wait, without asking again.
	at := p.e.now() + time.Duration(float64(wait)*p.e.opts.Speed)
	a := &arrival{id: p.e.nextID.Add(1), stream: p.stream, phase: p.phase, at: at, req: p.req}
	p.e.started(a)
	p.e.sent.Add(1)
	p.next <- a
	return wait, false
}
