package gateway

import (
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
)

// requestBody is context.Request.Body.As<string>(): the request body,
// read once and buffered (at most Options.MaxBodyBytes). The read itself
// keeps the body; a policy expression's read without preserveContent: true
// then drops it (consumeRequestBody).
func (x *exchange) requestBody() (string, error) {
	if !x.hasBody {
		r := x.r
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			x.body, x.hasBody = nil, true
			return "", nil
		}
		b, err := readBounded(r.Body, x.g.opts.MaxBodyBytes)
		if err != nil {
			return "", fmt.Errorf("context.Request.Body: %w", err)
		}
		x.body, x.hasBody = b, true
	}
	return string(x.body), nil
}

// responseBody is context.Response.Body.As<string>(): the current
// response's body. A backend body still streaming is read once (at most
// Options.MaxBodyBytes) and kept, so the client receives it unchanged.
func (x *exchange) responseBody() (string, error) {
	if x.stream != nil {
		b, err := readBounded(x.stream, x.g.opts.MaxBodyBytes)
		_ = x.stream.Close()
		x.stream = nil
		if err != nil {
			x.respBody = []byte{}
			return "", fmt.Errorf("context.Response.Body: %w", err)
		}
		x.respBody = b
	}
	return string(x.respBody), nil
}

// consumeRequestBody is what a policy expression's read of
// context.Request.Body without preserveContent: true leaves behind: no
// body. Learn, "Set body": "By default when you access the message body
// using context.Request.Body or context.Response.Body, the original
// message body is lost and must be set by returning the body back in the
// expression". The backend then receives an empty body unless a set-body
// sets one; later reads see an empty body. Options.PreserveBodies keeps
// the body instead (docs/semantics.md).
func (x *exchange) consumeRequestBody() {
	if x.g.opts.PreserveBodies {
		return
	}
	x.body, x.hasBody = nil, true
}

// consumeResponseBody is consumeRequestBody for context.Response.Body: the
// client receives an empty body unless a set-body sets one.
func (x *exchange) consumeResponseBody() {
	if x.g.opts.PreserveBodies {
		return
	}
	x.closeStream()
	x.respBody = nil
}

// readBounded reads r to the end, failing when it holds more than max bytes.
func readBounded(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("the body is larger than %d bytes (Options.MaxBodyBytes)", max)
	}
	return b, nil
}

// newUUID returns a random (version 4) UUID in "D" format drawn from rnd,
// as context.RequestId and session affinity ids.
func newUUID(rnd *rand.Rand) string {
	var u [16]byte
	a, b := rnd.Uint64(), rnd.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:], u[10:])
	return string(out[:])
}
