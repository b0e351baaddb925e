package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"sync/atomic"
	"time"
)

// maxHopHead bounds the response head hopConn collects; a longer head is
// passed through untouched (net/http then applies its own limit).
const maxHopHead = 64 << 10

// hopConn wraps the plaintext side of an HTTP/1.x backend connection and
// removes, from each response head, the fields its Connection header names
// (RFC 9110 §7.6.1) before net/http parses it. removeHop does the same
// after RoundTrip, except in one case this closes: when the backend's
// Connection header also says "close", net/http deletes the whole header
// while parsing, and the names it listed were lost (a backend answering
// "Connection: close, X-Internal" leaked X-Internal to clients).
//
// Requests and responses alternate on an HTTP/1.x connection: the bytes
// read after a request was written start a response head, collected up to
// its blank line and rewritten; a 1xx head is followed by another head;
// everything else passes through. Bytes that do not start with "HTTP/1."
// (a response body arriving after more of a request body was written)
// pass through as well.
//
// A connection that does not carry HTTP/1 in plain text is left alone:
// when its first bytes written (or the first after a CONNECT's response,
// the tunnel's) are a TLS record or the HTTP/2 preface, reads pass
// through untouched from then on. That is the case of net/http's own TLS
// (HTTP/2 variants, CONNECT tunnels through a proxy) and of h2c, whose
// bytes could otherwise be taken for the start of a head and held.
type hopConn struct {
	net.Conn
	wrote atomic.Bool // a request was written since the last head
	// raw is set when the connection carries no plaintext HTTP/1.
	raw atomic.Bool
	// begun is set once the stream's first bytes were written; a
	// CONNECT's response clears it (the tunnel is a new stream).
	begun atomic.Bool
	// connect is set while a CONNECT request waits for its response.
	connect atomic.Bool
	// answered is set when a final head was read: until a write starts
	// a new request, writes are more of the answered request's body (a
	// backend may answer early) and the bytes read are its response's.
	answered atomic.Bool
	head     []byte // the head being collected (reused)
	out      []byte // processed bytes not yet returned
	err      error  // the read error to return once out is drained
	rew      []byte // rewrite buffer (reused)
}

// dialFunc is a DialContext.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// backendDial is the dialer of every backend transport: Options.DialContext
// or a plain TCP dialer.
func (g *Gateway) backendDial() dialFunc {
	if g.opts.DialContext != nil {
		return g.opts.DialContext
	}
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return d.DialContext
}

// hopDialTLS is an HTTP/1.1 transport's DialTLSContext: tlsDial wrapping
// the connection in a hopConn above TLS.
func hopDialTLS(dial dialFunc, cfg *tls.Config, timeout time.Duration) dialFunc {
	return tlsDial(dial, cfg, timeout, true)
}

// tlsDial is a transport's DialTLSContext: it dials with dial and runs the
// TLS handshake with cfg (the server name from addr when cfg has none, as
// net/http does; VerifyConnection is given that name for an IP address,
// which the connection state leaves empty) within timeout. hop wraps the
// connection in a hopConn above TLS (HTTP/1.1); without it the *tls.Conn
// is returned as it is, so net/http reads the protocol ALPN agreed on
// (HTTP/2 variants: cfg's NextProtos are net/http's, set before the first
// dial).
func tlsDial(dial dialFunc, cfg *tls.Config, timeout time.Duration, hop bool) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := cfg.Clone()
		if c.ServerName == "" {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				c.ServerName = host
			}
		}
		if verify := c.VerifyConnection; verify != nil {
			// The connection state has no server name for an IP address
			// (it is not sent as SNI): give VerifyConnection the address
			// dialed, so a by-hand check validates it.
			name := c.ServerName
			c.VerifyConnection = func(cs tls.ConnectionState) error {
				if cs.ServerName == "" {
					cs.ServerName = name
				}
				return verify(cs)
			}
		}
		tc := tls.Client(raw, c)
		hctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := tc.HandshakeContext(hctx); err != nil {
			_ = raw.Close()
			return nil, err
		}
		if !hop {
			return tc, nil
		}
		return &hopConn{Conn: tc}, nil
	}
}

// hopDial wraps a DialContext so that every connection is a hopConn.
func hopDial(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &hopConn{Conn: c}, nil
	}
}

// Write notes that a request (or more of one) was written.
func (c *hopConn) Write(p []byte) (int, error) {
	if c.raw.Load() {
		return c.Conn.Write(p)
	}
	if len(p) > 0 && !c.begun.Swap(true) {
		switch {
		case p[0] == 0x16 || bytes.HasPrefix(p, []byte("PRI * HTTP/2")):
			// A TLS handshake record or the HTTP/2 connection preface.
			c.raw.Store(true)
			return c.Conn.Write(p)
		case bytes.HasPrefix(p, []byte("CONNECT ")):
			c.connect.Store(true)
		}
	}
	if c.answered.Load() {
		if !requestStart(p) {
			return c.Conn.Write(p)
		}
		c.answered.Store(false)
	}
	c.wrote.Store(true)
	return c.Conn.Write(p)
}

// requestStart reports whether p starts like a request line: a method
// token and a space (RFC 9110 §9.1, §5.6.2).
func requestStart(p []byte) bool {
	i := 0
	for i < len(p) && i < 32 && (bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), p[i]) >= 0 ||
		p[i] >= '0' && p[i] <= '9' || p[i] >= 'a' && p[i] <= 'z' || p[i] >= 'A' && p[i] <= 'Z') {
		i++
	}
	return i > 0 && i < len(p) && p[i] == ' '
}

// Read returns the connection's bytes with each response head rewritten.
func (c *hopConn) Read(p []byte) (int, error) {
	if len(c.out) == 0 && c.err == nil {
		n, err := c.Conn.Read(p)
		if n == 0 || c.raw.Load() || !c.wrote.Swap(false) {
			return n, err
		}
		c.head = append(c.head[:0], p[:n]...)
		c.err = err
		c.collect()
	}
	if len(c.out) > 0 {
		n := copy(p, c.out)
		c.out = c.out[n:]
		return n, nil
	}
	err := c.err
	c.err = nil
	return 0, err
}

// pending reports whether Read holds bytes or an error of the connection
// not returned yet: after a complete response, bytes nobody asked for or
// the end of the connection (h1Conn.clean).
func (c *hopConn) pending() bool { return len(c.out) > 0 || c.err != nil }

// collect reads until c.head holds whole heads (or cannot be one) and
// leaves the result in c.out.
func (c *hopConn) collect() {
	var done []byte // rewritten heads so far (a 1xx before the final one)
	for {
		if !couldBeHead(c.head) {
			break
		}
		end := headEnd(c.head)
		if end < 0 {
			if c.err != nil || len(c.head) >= maxHopHead {
				break
			}
			if cap(c.head)-len(c.head) < 512 {
				c.head = append(c.head, make([]byte, 4096)...)[:len(c.head)]
			}
			n, err := c.Conn.Read(c.head[len(c.head):cap(c.head)])
			c.head = c.head[:len(c.head)+n]
			c.err = err
			continue
		}
		h, informational := rewriteHead(c.head[:end], &c.rew)
		if !informational {
			if c.connect.Swap(false) {
				c.begun.Store(false) // the tunnel's first bytes come next
			}
			// A write of the request's body while this head was read
			// armed no new head.
			c.answered.Store(true)
			c.wrote.Store(false)
			if done == nil && len(h) == end {
				c.out = c.head // nothing removed: no copy
				return
			}
			c.out = append(append(done, h...), c.head[end:]...)
			return
		}
		done = append(done, h...)
		if end == len(c.head) {
			// A 1xx head alone: hand it over now (after 100 Continue the
			// backend waits for the body before the final head), and
			// collect the next head when it comes.
			c.out = done
			c.wrote.Store(true)
			return
		}
		c.head = append(c.head[:0], c.head[end:]...)
	}
	c.out = append(done, c.head...)
}

// headEnd returns the length of the head b starts with, through its
// blank line, or -1 when b holds no blank line yet. Lines may end in CRLF
// or in a bare LF, which net/http's client accepts too.
func headEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// couldBeHead reports whether b starts (or could start) with "HTTP/1.".
func couldBeHead(b []byte) bool {
	const prefix = "HTTP/1."
	n := min(len(b), len(prefix))
	return string(b[:n]) == prefix[:n]
}

// rewriteHead returns head (status line to blank line) without the fields
// its Connection header names, and whether it is a 1xx head. It returns
// head itself when nothing is removed, otherwise a slice of *buf. The
// Connection field itself stays (net/http reads "close" from it; removeHop
// deletes it later), and so do the framing fields Content-Length and
// Transfer-Encoding, whatever a backend lists.
func rewriteHead(head []byte, buf *[]byte) ([]byte, bool) {
	status, rest, _ := bytes.Cut(head, []byte("\n"))
	status = bytes.TrimSuffix(status, []byte("\r"))
	informational := len(status) >= 10 && status[9] == '1'
	var named [][]byte
	for line := range bytes.SplitSeq(rest, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte("Connection")) {
			continue
		}
		for tok := range bytes.SplitSeq(value, []byte(",")) {
			tok = bytes.TrimSpace(tok)
			switch {
			case len(tok) == 0, bytes.EqualFold(tok, []byte("close")), bytes.EqualFold(tok, []byte("Connection")),
				bytes.EqualFold(tok, []byte("Content-Length")), bytes.EqualFold(tok, []byte("Transfer-Encoding")):
				continue
			}
			named = append(named, tok)
		}
	}
	if len(named) == 0 {
		return head, informational
	}
	out := append((*buf)[:0], status...)
	out = append(out, "\r\n"...)
	for line := range bytes.SplitSeq(rest, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		drop := false
		if ok {
			for _, n := range named {
				if bytes.EqualFold(bytes.TrimSpace(name), n) {
					drop = true
					break
				}
			}
		}
		if !drop {
			out = append(append(out, line...), "\r\n"...)
		}
	}
	out = append(out, "\r\n"...)
	*buf = out
	return out, informational
}
