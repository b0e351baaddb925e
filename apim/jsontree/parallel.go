package jsontree

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"runtime"
	"sync"

	"github.com/apimlab/apimlab/apim"
	"github.com/go-json-experiment/json/jsontext"
)

// A large document is parsed on every core: the elements of the arrays
// at its top two levels (an ARM template's resources, a REST list's
// value, an az CLI listing) are read as raw text on the reading goroutine,
// which validates them, and built into values by workers, a batch of
// elements at a time. The tree is the one a sequential parse builds, with
// the same positions; only which slabs hold which values differs. Issue
// 16: the parse of a 40,000-backend template was a third of lint's wall
// time, on one core.

// parallelMin is the input size from which ParseReader builds large
// arrays on several cores; below it the batches would not pay for
// themselves.
const parallelMin = 4 << 20

// batchBytes is about how much element text one batch holds (a
// variable so that tests can make batches of one element).
var batchBytes = 256 << 10

// batch is a run of consecutive elements of one array.
type batch struct {
	raw   []byte // their text, back to back
	elems []rawElem
	out   []*Value
	err   error // the first element's error, positioned in the file
}

// rawElem is where one element's text ends in its batch's raw and where
// it starts in the file.
type rawElem struct {
	end   int
	at    Loc
	depth int // containers open around it
}

// workers hands out the sub-parsers that build batches: at most one per
// core at a time, each keeping its slabs and key table from batch to
// batch. The reader waits while a batch per core is queued besides those
// being built, so the raw text held at once stays a few batches whatever
// the input size, and built batches' buffers are reused.
type workers struct {
	free  chan *parser
	queue chan struct{}
	mu    sync.Mutex
	bufs  [][]byte
}

func newWorkers(n int) *workers {
	w := &workers{free: make(chan *parser, n), queue: make(chan struct{}, 2*n)}
	for range n {
		w.free <- &parser{lines: &Lines{}, sub: true}
	}
	return w
}

// buffer returns an empty buffer for a batch's text.
func (w *workers) buffer() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.bufs); n > 0 {
		b := w.bufs[n-1]
		w.bufs = w.bufs[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 2*batchBytes)
}

// build parses every element of b on a worker goroutine, then gives
// back b's place in the queue.
func (w *workers) build(b *batch) {
	defer func() { <-w.queue }()
	w.buildHere(b)
}

// buildHere parses every element of b with one of the sub-parsers, then
// gives back its text buffer (the values copy what they keep).
func (w *workers) buildHere(b *batch) {
	p := <-w.free
	defer func() {
		w.free <- p
		w.mu.Lock()
		w.bufs = append(w.bufs, b.raw)
		w.mu.Unlock()
		b.raw = nil
	}()
	b.out = make([]*Value, len(b.elems))
	start := 0
	for i, e := range b.elems {
		raw := b.raw[start:e.end]
		start = e.end
		p.lines.reset(raw)
		p.lines.file = e.at.file
		p.base, p.depth = e.at, e.depth
		v, err := p.built(raw)
		if err != nil {
			b.err = err
			return
		}
		b.out[i] = v
	}
}

// parallelArray reads the elements of the array v (its '[' read) as raw
// text and has the workers build them. An element that is not whole in
// the decoder's buffer (it runs past the buffer's end, or it is larger
// than a batch: a nested deployment's template) is read token by token
// here instead, as a sequential parse reads it, so that the reader never
// holds more than the decoder's buffer and a few batches.
func (p *parser) parallelArray(v *Value) (*Value, error) {
	var (
		wg      sync.WaitGroup
		batches []*batch
		cur     = &batch{}
		sent    bool
	)
	send := func() {
		b := cur
		batches = append(batches, b)
		p.pool.queue <- struct{}{}
		sent = true
		wg.Go(func() { p.pool.build(b) })
		cur = &batch{}
	}
	// fail returns the first error in file order: a worker's, in an
	// element before the one the reader stopped at, or the reader's.
	fail := func(err error) (*Value, error) {
		wg.Wait()
		for _, b := range batches {
			if b.err != nil {
				return nil, b.err
			}
		}
		return nil, err
	}
	p.inArray = true
	defer func() { p.inArray = false }()
	depth := p.dec.StackDepth()
	for {
		k := p.dec.PeekKind()
		if k == ']' {
			break
		}
		if (k == '{' || k == '[') && !p.wholeAhead() {
			if len(cur.elems) > 0 {
				send()
			}
			c, err := p.value()
			if err != nil {
				return fail(err)
			}
			batches = append(batches, &batch{out: []*Value{c}})
			continue
		}
		raw, err := p.dec.ReadValue()
		if err != nil {
			if k != 0 { // not at the element's start: inside it
				err = p.again(err)
			}
			return fail(err)
		}
		at := p.pos(p.dec.InputOffset() - int64(len(raw)))
		if cur.raw == nil {
			cur.raw = p.pool.buffer()
		}
		cur.raw = append(cur.raw, raw...)
		cur.elems = append(cur.elems, rawElem{end: len(cur.raw), at: at, depth: depth})
		if len(cur.raw) >= batchBytes {
			send()
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return fail(err)
	}
	if len(cur.elems) > 0 {
		if sent {
			send()
		} else {
			// A small array: a goroutine would cost more than it saves.
			batches = append(batches, cur)
			p.pool.buildHere(cur)
		}
	}
	wg.Wait()
	n := 0
	for _, b := range batches {
		if b.err != nil {
			return nil, b.err
		}
		n += len(b.out)
	}
	if n > 0 {
		v.SetElems(p.takeElems(n))
		i := 0
		for _, b := range batches {
			for _, c := range b.out {
				c.up, c.idx = v, int32(i)
				v.Elems()[i] = c
				i++
			}
		}
	}
	return v, nil
}

// parallelFor returns the workers for a document read from r: nil unless
// r is a file of at least parallelMin bytes and there is more than one
// core to build it on.
func parallelFor(r any) *workers {
	n := runtime.GOMAXPROCS(0)
	if n < 2 {
		return nil
	}
	st, ok := r.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return nil
	}
	fi, err := st.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < parallelMin {
		return nil
	}
	return newWorkers(n)
}

// asPositioned returns err when it is already positioned in the file (a
// worker's), so wrap leaves it as it is.
func asPositioned(err error) (*apim.Error, bool) {
	var ae *apim.Error
	ok := errors.As(err, &ae)
	return ae, ok
}

// wholeAhead reports whether the element that comes next is whole in the
// decoder's buffer and the bytes read ahead of it (wholeAhead), reading
// more ahead once if it is not.
func (p *parser) wholeAhead() bool {
	if p.ahead == nil {
		return wholeAhead(p.dec.UnreadBuffer())
	}
	return wholeAhead(p.dec.UnreadBuffer(), p.ahead(false)) || wholeAhead(p.dec.UnreadBuffer(), p.ahead(true))
}

// again reads the element the reader failed on a second time, token by
// token as a sequential parse does, from the decoder's unread bytes and
// the rest of the input, and returns that parse's error: jsontext reading
// a whole value may stop at another byte of a malformed one ("{n" at its
// end: the name cannot start with n, where a sequential parse runs out of
// input first). err is returned when the element cannot be read again.
func (p *parser) again(err error) error {
	if se := (*jsontext.SyntacticError)(nil); errors.As(err, &se) && se.Err != nil && se.Err.Error() == "exceeded max depth" {
		// The reader's decoder counts every container open around the
		// fault, as a sequential parse's does; one reading the element
		// alone would not.
		return err
	}
	unread := p.dec.UnreadBuffer()
	i := skipSpace(unread, 0)
	if i < len(unread) && unread[i] == ',' {
		i = skipSpace(unread, i+1)
	}
	if i >= len(unread) {
		return err
	}
	start := p.dec.InputOffset() + int64(i)
	if se := (*jsontext.SyntacticError)(nil); errors.As(err, &se) && se.ByteOffset <= start {
		return err // at the element's first byte: the reader knows it is in an array
	}
	q := &parser{lines: &Lines{starts: []int{0}}, sub: true, base: p.pos(start), depth: p.dec.StackDepth()}
	q.lines.file = q.base.file
	rest := io.MultiReader(bytes.NewReader(bytes.Clone(unread[i:])), p.input)
	q.dec = jsontext.NewDecoder(&lineReader{r: rest, lines: q.lines})
	if _, qerr := q.value(); qerr != nil {
		return q.wrap(qerr)
	}
	return err
}

// wholeAhead reports whether the array or object that comes next in the
// input (the decoder's unread bytes, after the comma before it, if any,
// then the bytes read ahead of the decoder) ends there within batchBytes.
// It only matches brackets outside strings: the reader's ReadValue
// validates the element afterwards, and an element that is not JSON fails
// there or, read token by token, in value.
func wholeAhead(parts ...[]byte) bool {
	var sc aheadScan
	for _, b := range parts {
		if sc.feed(b) {
			return true
		}
		if sc.stop {
			return false
		}
	}
	return false
}

// aheadScan is wholeAhead's state from one part of the input to the next.
type aheadScan struct {
	started       bool // past the whitespace and comma before the value
	depth, n      int
	inStr, escape bool
	stop          bool // not a container, or past batchBytes
}

// feed scans b and reports whether the value ended in it.
func (sc *aheadScan) feed(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if !sc.started {
			switch b[i] {
			case ' ', '\t', '\n', '\r', ',':
				continue
			case '{', '[':
				sc.started = true
			default:
				sc.stop = true
				return false
			}
		}
		if sc.n += 1; sc.n > batchBytes {
			sc.stop = true
			return false
		}
		switch {
		case sc.escape:
			sc.escape = false
		case sc.inStr:
			k := bytes.IndexAny(b[i:], "\"\\")
			if k < 0 {
				sc.n += len(b) - i - 1
				return false
			}
			i += k
			sc.n += k
			if b[i] == '"' {
				sc.inStr = false
			} else {
				sc.escape = true
			}
		default:
			switch b[i] {
			case '"':
				sc.inStr = true
			case '{', '[':
				sc.depth++
			case '}', ']':
				if sc.depth--; sc.depth == 0 {
					return true
				}
			}
		}
	}
	return false
}
