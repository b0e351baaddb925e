package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// TestRewriteHead: the fields a response's Connection header names go,
// the Connection field and the framing fields stay (heads written by
// hand, RFC 9110 §7.6.1).
func TestRewriteHead(t *testing.T) {
	tests := []struct {
		name, in, want string
		info           bool
	}{
		{"nothing named", "HTTP/1.1 200 OK\r\nConnection: close\r\nX-A: 1\r\n\r\n", "HTTP/1.1 200 OK\r\nConnection: close\r\nX-A: 1\r\n\r\n", false},
		{"close with a name", "HTTP/1.1 200 OK\r\nX-Internal: 10.0.0.7\r\nConnection: close, X-Internal\r\nContent-Length: 2\r\n\r\n",
			"HTTP/1.1 200 OK\r\nConnection: close, X-Internal\r\nContent-Length: 2\r\n\r\n", false},
		{"names in any case, several fields", "HTTP/1.1 204 No Content\r\nconnection: x-a\r\nCONNECTION: X-B ,close\r\nx-A: 1\r\nX-b: 2\r\nX-C: 3\r\n\r\n",
			"HTTP/1.1 204 No Content\r\nconnection: x-a\r\nCONNECTION: X-B ,close\r\nX-C: 3\r\n\r\n", false},
		{"framing and Connection kept", "HTTP/1.1 200 OK\r\nConnection: close, Content-Length, Transfer-Encoding, Connection, X-A\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n",
			"HTTP/1.1 200 OK\r\nConnection: close, Content-Length, Transfer-Encoding, Connection, X-A\r\nContent-Length: 0\r\n\r\n", false},
		{"1xx", "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 100 Continue\r\n\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf []byte
			got, info := rewriteHead([]byte(tt.in), &buf)
			if string(got) != tt.want || info != tt.info {
				t.Errorf("got %q (1xx %v)\nwant %q (1xx %v)", got, info, tt.want, tt.info)
			}
		})
	}
}

// oneByteConn returns one byte per Read, so heads arrive in pieces.
type oneByteConn struct{ net.Conn }

func (c oneByteConn) Read(p []byte) (int, error) { return c.Conn.Read(p[:min(len(p), 1)]) }

// TestHopConnStream drives a hopConn over a real loopback connection with
// scripted responses: keep-alive reuse, a 100 Continue before the final
// head, a Connection: close naming a field, a body that looks like a head,
// and heads split byte by byte.
func TestHopConnStream(t *testing.T) {
	responses := []string{
		"HTTP/1.1 200 OK\r\nConnection: X-A\r\nX-A: 1\r\nX-Keep: k\r\nContent-Length: 28\r\n\r\nHTTP/1.1 200 OK\r\nX-A: body\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n",
		"HTTP/1.1 201 Created\r\nX-Internal: 10.0.0.7\r\nConnection: close, X-Internal\r\nContent-Length: 2\r\n\r\nok",
	}
	for _, split := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for i := 0; i < 2; i++ {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				if i == 0 {
					_, _ = io.WriteString(c, responses[0])
					_, _ = io.Copy(io.Discard, req.Body)
					continue
				}
				_, _ = io.WriteString(c, responses[1]) // then wait for the body
				if _, err := io.Copy(io.Discard, req.Body); err != nil {
					return
				}
				_, _ = io.WriteString(c, responses[2])
			}
		}()
		raw, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = raw.SetDeadline(time.Now().Add(10 * time.Second)) // a bug fails, not hangs
		var conn net.Conn = raw
		if split {
			conn = oneByteConn{raw}
		}
		hc := &hopConn{Conn: conn}
		br := bufio.NewReader(hc)

		_, _ = io.WriteString(hc, "GET /one HTTP/1.1\r\nHost: b\r\n\r\n")
		r1, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b1, _ := io.ReadAll(r1.Body)
		if r1.Header.Get("X-A") != "" || r1.Header.Get("X-Keep") != "k" || string(b1) != "HTTP/1.1 200 OK\r\nX-A: body\r\n" {
			t.Errorf("split %v: first response %v body %q: want X-A removed, X-Keep kept, the body untouched", split, r1.Header, b1)
		}
		_, _ = io.WriteString(hc, "POST /two HTTP/1.1\r\nHost: b\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
		r100, err := http.ReadResponse(br, nil)
		if err != nil || r100.StatusCode != 100 {
			t.Fatalf("split %v: want 100 Continue first: %v %v", split, r100, err)
		}
		_, _ = io.WriteString(hc, "body")
		r2, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := io.ReadAll(r2.Body)
		if r2.StatusCode != 201 || r2.Header.Get("X-Internal") != "" || !r2.Close || string(b2) != "ok" {
			t.Errorf("split %v: final response %d %v close=%v body %q: want 201 without X-Internal, closing, body ok", split, r2.StatusCode, r2.Header, r2.Close, b2)
		}
		raw.Close()
		ln.Close()
	}
}

// TestConnectionCloseNamedHeaderNotForwarded: end to end through the
// gateway, a backend answering "Connection: close, X-Internal" does not
// leak X-Internal to the client (net/http deletes such a Connection
// header while parsing, so removeHop alone could not see the name).
func TestConnectionCloseNamedHeaderNotForwarded(t *testing.T) {
	addr := rawBackend(t, "HTTP/1.1 200 OK\r\nX-Internal: 10.0.0.7\r\nX-Public: yes\r\nConnection: close, X-Internal\r\nContent-Length: 2\r\n\r\nok")
	svc := &apim.Service{APIs: []*apim.API{apiWith("/api", "http://"+addr, "")}}
	_, front := startGateway(t, svc, Options{})
	for range 2 {
		status, h, body := get(t, front.URL+"/api/x", nil)
		if status != 200 || body != "ok" || h.Get("X-Internal") != "" || h.Get("X-Public") != "yes" {
			t.Errorf("got %d %q with headers %v: want 200 ok, X-Public kept, X-Internal removed", status, body, h)
		}
	}
}

// TestHopConnBareLFHead: net/http's client accepts a response head whose
// lines end in a bare LF; hopConn must pass it on at its blank line, not
// wait for a CRLF CRLF that never comes (the backend keeps the connection
// open, so the request would hang until the forward-request timeout).
func TestHopConnBareLFHead(t *testing.T) {
	addr := rawBackend(t, "HTTP/1.1 200 OK\nX-Internal: 10.0.0.7\nConnection: X-Internal\nContent-Length: 2\n\nok")
	svc := &apim.Service{APIs: []*apim.API{apiWith("/api", "http://"+addr, "")}}
	_, front := startGateway(t, svc, Options{})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 2 {
		resp, err := client.Get(front.URL + "/api/x")
		if err != nil {
			t.Fatalf("GET: %v (want 200 ok at once)", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "ok" || resp.Header.Get("X-Internal") != "" {
			t.Errorf("got %d %q with headers %v: want 200 ok without X-Internal", resp.StatusCode, b, resp.Header)
		}
	}
}

// h2Frame is an HTTP/2 frame (RFC 9113 §4.1) written by hand.
func h2Frame(typ, flags byte, stream uint32, payload []byte) []byte {
	n := len(payload)
	b := []byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags, byte(stream >> 24), byte(stream >> 16), byte(stream >> 8), byte(stream)}
	return append(b, payload...)
}

// TestHopConnNotUnderHTTP2: forward-request http-version="2" to an
// http:// backend speaks h2c; its frames are no HTTP/1 heads. The backend
// here sends a DATA frame's header, waits for the PING ack it asked for
// (so the gateway wrote since its last read), then the frame's one-byte
// payload "H": a reader taking it for the start of "HTTP/1." would wait
// for more bytes that never come.
func TestHopConnNotUnderHTTP2(t *testing.T) {
	addr := acceptOne(t, func(c net.Conn, br *bufio.Reader) {
		preface := make([]byte, 24)
		if _, err := io.ReadFull(br, preface); err != nil {
			return
		}
		_, _ = c.Write(h2Frame(4, 0, 0, nil)) // SETTINGS
		readFrame := func() (typ, flags byte, stream uint32, ok bool) {
			h := make([]byte, 9)
			if _, err := io.ReadFull(br, h); err != nil {
				return 0, 0, 0, false
			}
			n := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
			if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
				return 0, 0, 0, false
			}
			return h[3], h[4], uint32(h[5]&0x7f)<<24 | uint32(h[6])<<16 | uint32(h[7])<<8 | uint32(h[8]), true
		}
		var stream uint32
		for stream == 0 {
			typ, flags, id, ok := readFrame()
			if !ok {
				return
			}
			switch {
			case typ == 4 && flags&1 == 0:
				_, _ = c.Write(h2Frame(4, 1, 0, nil)) // SETTINGS ack
			case typ == 1:
				stream = id
			}
		}
		var out []byte
		out = append(out, h2Frame(1, 4, stream, []byte{0x88})...)    // HEADERS :status 200, END_HEADERS
		out = append(out, h2Frame(6, 0, 0, make([]byte, 8))...)      // PING
		out = append(out, h2Frame(0, 1, stream, []byte("H"))[:9]...) // DATA header, END_STREAM
		_, _ = c.Write(out)
		for {
			typ, flags, _, ok := readFrame()
			if !ok {
				return
			}
			if typ == 6 && flags&1 != 0 {
				break
			}
		}
		_, _ = c.Write([]byte("H"))
		_, _ = io.Copy(io.Discard, br)
	})
	a := apiWith("/a", "http://"+addr, "")
	a.Policy = doc(apim.ScopeAPI, policyDoc("", `<forward-request http-version="2" />`, ""))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(front.URL + "/a")
	if err != nil {
		t.Fatalf("GET: %v (want 200 H at once)", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "H" || err != nil {
		t.Errorf("got %d %q (%v): want 200 H", resp.StatusCode, b, err)
	}
}

// TestHopConnTunnelRaw: after a CONNECT's 200, the tunnel's first bytes
// are a TLS ClientHello (a handshake record, 0x16): hopConn reads the
// tunnel untouched from then on, even bytes that look like a head.
func TestHopConnTunnelRaw(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	head := "HTTP/1.1 200 OK\r\nConnection: X-A\r\nX-A: 1\r\n\r\n"
	go func() {
		br := bufio.NewReader(server)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(server, "HTTP/1.1 200 Connection established\r\n\r\n")
		b := make([]byte, 1)
		if _, err := io.ReadFull(br, b); err != nil {
			return
		}
		_, _ = io.WriteString(server, head)
	}()
	hc := &hopConn{Conn: client}
	_ = client.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(hc)
	_, _ = io.WriteString(hc, "CONNECT b:443 HTTP/1.1\r\nHost: b:443\r\n\r\n")
	if r, err := http.ReadResponse(br, nil); err != nil || r.StatusCode != 200 {
		t.Fatalf("CONNECT response %v %v", r, err)
	}
	_, _ = hc.Write([]byte{0x16})
	got := make([]byte, len(head))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != head || !hc.raw.Load() {
		t.Errorf("tunnel read %q (%v), raw %v: want %q untouched", got, err, hc.raw.Load(), head)
	}
}

// TestHopConnBodyAfterEarlyResponse: a backend that answers before it has
// read the whole request body (here: its head at once, its body once more
// of the request body came) sends a body that looks like a response head.
// More of the request body written after the head was read is not a new
// request: the body passes through untouched (byte for byte, as its
// Content-Length counts it).
func TestHopConnBodyAfterEarlyResponse(t *testing.T) {
	const respBody = "HTTP/1.1 200 OK\r\nConnection: X-A\r\nX-A: 1\r\n\r\n"
	addr := acceptOne(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(respBody))+"\r\n\r\n")
		_, _ = io.ReadAll(req.Body) // the whole request body, written after the head was read
		_, _ = io.WriteString(c, respBody)
	})
	svc := &apim.Service{APIs: []*apim.API{apiWith("/api", "http://"+addr, "")}}
	_, front := startGateway(t, svc, Options{})
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, "first")
		time.Sleep(200 * time.Millisecond) // the backend's head is read by now
		_, _ = io.WriteString(pw, "second")
		pw.Close()
	}()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post(front.URL+"/api/x", "text/plain", pr)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != respBody || err != nil {
		t.Errorf("got %d %q (%v): want 200 with the body %q untouched", resp.StatusCode, b, err, respBody)
	}
}

// rawBackend serves a fixed response, written byte for byte, to every
// request of every connection on a loopback listener, and returns its
// address: backends net/http's server would not write (bare-LF heads,
// Connection naming fields).
func rawBackend(t *testing.T, response string) string {
	t.Helper()
	addr, _ := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, err := io.WriteString(c, response)
		return err == nil
	})
	return addr
}
