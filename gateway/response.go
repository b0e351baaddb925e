package gateway

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// errorResponse makes the gateway's own error the current response, in
// APIM's JSON error shape.
func (x *exchange) errorResponse(pe *pipelineError) {
	x.newResponse(pe.Status)
	x.reason = pe.Reason
	x.served = "" // the gateway answered: x-apimlab-backend says "none"
	x.respHeader["Content-Type"] = []string{"application/json"}
	x.respBody = []byte(`{ "statusCode": ` + strconv.Itoa(pe.Status) + `, "message": ` + strconv.Quote(pe.Message) + ` }`)
}

// write sends the current response to the client.
func (x *exchange) write() {
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
		return
	}
	x.w.WriteHeader(status)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	var dst io.Writer = x.w
	if streaming(x.respHeader) {
		dst = flushWriter{w: x.w, rc: http.NewResponseController(x.w)}
	}
	_, _ = io.CopyBuffer(writerOnly{dst}, x.stream, *bp)
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
	v, _ := g.served.LoadOrStore(name, []string{name})
	return v.([]string)
}
