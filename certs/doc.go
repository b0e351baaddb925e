// Package certs holds the certificate material apimlab needs for mTLS
// backends: a throw-away test PKI (NewPKI, Init), loading of PFX/PEM files
// (LoadPFX, LoadPEM, LoadFile) into a Material, pure check functions the
// certificate lint rules call (Expiry, ClientAuthUsable, Weakness, ChainsTo,
// MissingIntermediates, KeyVaultSecretURI), resolution of configured sources
// and Key Vault references to local files (Source, KeyVaultDir), and a live
// TLS probe of backends (Probe, ProbeAll).
//
// Nothing in this package prints or returns a password or private key in an
// error message.
package certs
