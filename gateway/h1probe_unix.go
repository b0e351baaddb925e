//go:build unix

package gateway

import (
	"crypto/tls"
	"net"
	"syscall"
)

// probeIdle reports whether an idle backend connection can carry another
// request: its peer has neither closed it nor sent anything since the last
// response (which the transport's read goroutine would have seen at
// once). One non-blocking peek at the socket; a connection that is not a
// socket (Options.DialContext may return any net.Conn) is assumed usable,
// and a request that then finds it closed is retried as the transport
// would (h1Client.RoundTrip).
func probeIdle(c net.Conn) bool {
	for {
		switch t := c.(type) {
		case *hopConn:
			c = t.Conn
			continue
		case *tls.Conn:
			c = t.NetConn()
			continue
		}
		break
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	usable := false
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// EAGAIN: nothing to read, the peer is there. 0 bytes: closed.
		// Any byte: unsolicited data (or a TLS alert).
		usable = n < 0 && (rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK)
		return true
	})
	return err == nil && usable
}
