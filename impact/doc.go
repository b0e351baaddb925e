// Package impact answers a reviewer's question about a configuration
// change: what does it do when a region fails? It loads the base and the
// head configuration (folders, files, or git:REF:PATH read straight from
// the repository) and compares them three ways:
//
//  1. lint delta: findings the change introduces and fixes, matched by rule,
//     service, file and fingerprint (not line), as baselines match;
//  2. model delta: a semantic diff of backends, pools (with the shares the
//     pool package computes), breakers, TLS, credentials (never their
//     values), certificates and the policies that affect routing;
//  3. behaviour delta: the same scenarios run against both on the same seed
//     and engine, and the differences that matter — breaker trips and time
//     open, time to fail over and back, traffic shares, client error rate
//     and p99, assertion outcomes that flip.
//
// The Report's verdict fails on an assertion that flips from pass to fail,
// a new error-severity finding, or a configured threshold.
package impact
