// Package parity keeps docs/parity.md honest. The ledger lists every Azure
// API Management behaviour apimlab emulates or checks, with its status and
// the Go tests that prove it; this package's test parses the ledger and
// fails when a row claims more than the code shows: an implemented (or
// deliberately different) row without a proof, an unknown status, or a
// proof naming a test function that does not exist in the named package.
//
// A proof is a code span `pkg/path.TestName` or `pkg/path.TestName/subtest`,
// where pkg/path is the package directory relative to the module root. Only
// the top-level function is checked; subtest names are for the reader.
package parity
