package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// errorResponse makes the gateway's own error the current response, in
// APIM's JSON error shape.
func (x *exchange) errorResponse(pe *pipelineError) {
	x.newResponse(pe.Status)
	x.reason = pe.Reason
	x.served = "" // the gateway answered: x-apimlab-backend says "none"
	x.respHeader["Content-Type"] = []string{"application/json"}
	if pe.retryAfter {
		x.respHeader["Retry-After"] = x.g.retryAfterValue()
	}
	x.respBody = []byte(`{ "statusCode": ` + strconv.Itoa(pe.Status) + `, "message": ` + strconv.Quote(pe.Message) + ` }`)
	x.g.metrics.gatewayError(pe)
}

// write sends the current response to the client. It returns
// errBackendBody when the backend's body broke off before its end: the
// client must not receive a truncated body as if it were complete.
func (x *exchange) write() error {
	h := x.w.Header()
	if !x.hasResp {
		x.newResponse(http.StatusOK)
	}
	for k, v := range x.respHeader {
		h[k] = v
	}
	if x.setCookie != "" {
		h["Set-Cookie"] = append(h["Set-Cookie"], x.setCookie)
	}
	if !x.g.opts.NoDebugHeaders {
		h[HeaderBackend] = x.g.servedValue(x.served)
		if x.reason != "" {
			h[HeaderReason] = []string{x.reason}
		}
	}
	status := x.status
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	if x.stream == nil {
		h["Content-Length"] = []string{strconv.Itoa(len(x.respBody))}
		x.w.WriteHeader(status)
		if len(x.respBody) > 0 && x.r.Method != http.MethodHead {
			_, _ = x.w.Write(x.respBody)
		}
		return nil
	}
	x.w.WriteHeader(status)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	x.dst.Writer = x.w
	var held *bufio.Writer
	if streaming(x.respHeader) {
		fw := flushWriter{w: x.w, rc: http.NewResponseController(x.w)}
		x.dst.Writer = fw
		_ = fw.rc.Flush() // the status and headers go at once
		if !x.unbufferedResp {
			// buffer-response="true" (the default): chunks reach the
			// client 8 KB at a time, or at the end of the stream.
			held = chunkBufs.Get().(*bufio.Writer)
			held.Reset(fw)
			x.dst.Writer = held
		}
	}
	x.src = readErrReader{r: x.stream}
	_, _ = io.CopyBuffer(&x.dst, &x.src, *bp)
	if held != nil {
		_ = held.Flush()
		held.Reset(nil)
		chunkBufs.Put(held)
	}
	err := x.src.err
	x.src, x.dst = readErrReader{}, writerOnly{}
	if err == io.EOF {
		x.streamEOF = true
	} else if err != nil {
		return fmt.Errorf("%w: %w", errBackendBody, err)
	}
	return nil
}

// chunkBufs hold a streamed response's chunks until Azure's 8 KB
// (forward-request buffer-response="true", the default).
var chunkBufs = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 8<<10) }}

// errBackendBody is returned by write when the backend's body failed
// mid-way; ServeHTTP then aborts the client's response.
var errBackendBody = errors.New("backend response body broke off")

// readErrReader remembers the error of the reader it wraps, so write can
// tell a backend failure from a client that went away.
type readErrReader struct {
	r   io.Reader
	err error
}

func (r *readErrReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil {
		r.err = err
	}
	return n, err
}

// streaming reports whether a response must be flushed as it arrives
// (server-sent events, or no length known).
func streaming(h http.Header) bool {
	if ct := h["Content-Type"]; len(ct) > 0 && strings.HasPrefix(ct[0], "text/event-stream") {
		return true
	}
	_, hasLen := h["Content-Length"]
	return !hasLen
}

// writerOnly hides ReadFrom so CopyBuffer uses our pooled buffer.
type writerOnly struct{ io.Writer }

// flushWriter flushes after every write.
type flushWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil {
		_ = f.rc.Flush()
	}
	return n, err
}

// noneServed is the x-apimlab-backend value of gateway-generated responses.
var noneServed = []string{"none"}

// servedValue returns the x-apimlab-backend header value for a backend
// name, built once per name: the header is on every response, and net/http
// only reads header values, so one slice can serve them all.
func (g *Gateway) servedValue(name string) []string {
	if name == "" {
		return noneServed
	}
	if v, ok := g.served.Load(name); ok {
		return v.([]string)
	}
	// The cache is bounded like the metrics labels: ad hoc hosts computed
	// from request data could otherwise grow it without end.
	if g.servedN.Load() >= maxServedCache {
		return []string{name}
	}
	v, loaded := g.served.LoadOrStore(name, []string{name})
	if !loaded {
		g.servedN.Add(1)
	}
	return v.([]string)
}

// maxServedCache bounds the x-apimlab-backend values servedValue caches.
const maxServedCache = 1024
