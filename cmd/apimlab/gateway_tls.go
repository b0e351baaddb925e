package main

import (
	"crypto/tls"

	"github.com/apimlab/apimlab/gateway"
)

// tlsOptions sets so's HTTPS listener from --tls-cert, --tls-key and
// --negotiate-client-certificate; without --tls-cert the gateway serves
// plain HTTP. It returns the scheme served.
func (c *GatewayCmd) tlsOptions(so *gateway.ServerOptions) (string, error) {
	if c.TLSCert == "" && c.TLSKey == "" {
		if c.NegotiateClientCert {
			return "", usageErr("--negotiate-client-certificate needs --tls-cert and --tls-key")
		}
		return "http", nil
	}
	if c.TLSCert == "" || c.TLSKey == "" {
		return "", usageErr("--tls-cert and --tls-key go together")
	}
	kp, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return "", usageErr("--tls-cert/--tls-key: %v", err)
	}
	so.TLS = &tls.Config{Certificates: []tls.Certificate{kp}}
	so.ClientCertificates = c.NegotiateClientCert
	return "https", nil
}
