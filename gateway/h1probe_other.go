//go:build !unix

package gateway

import "net"

// probeIdle cannot peek at a socket here: an idle connection is assumed
// usable, and a request that finds it closed is retried as the transport
// would (h1Client.RoundTrip).
func probeIdle(net.Conn) bool { return true }
