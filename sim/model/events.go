package model

import "time"

// eventKind is what an event does when its time comes.
type eventKind uint8

const (
	// evArrival: the next client request of stream idx arrives.
	evArrival eventKind = iota
	// evAttempt: request idx sends its next attempt (after a retry wait).
	evAttempt
	// evDone: request idx's attempt in flight completes.
	evDone
)

// event is one entry of the queue. Events at the same instant run in the
// order they were scheduled (seq), so a run is reproducible.
type event struct {
	at   time.Duration
	seq  uint64
	kind eventKind
	idx  int32
}

func (a *event) before(b *event) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// queue is a binary min-heap of events by (at, seq). It is written out
// rather than built on container/heap, whose interface boxes every pushed
// value (an allocation per event).
type queue struct {
	h   []event
	seq uint64
}

func (q *queue) len() int { return len(q.h) }

func (q *queue) push(at time.Duration, kind eventKind, idx int32) {
	q.seq++
	q.h = append(q.h, event{at: at, seq: q.seq, kind: kind, idx: idx})
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.h[i].before(&q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *queue) pop() event {
	top := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h = q.h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.h[r].before(&q.h[l]) {
			m = r
		}
		if !q.h[m].before(&q.h[i]) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
