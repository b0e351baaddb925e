// Package citest holds the tests of the files that plug apimlab into other
// tools: the GitHub Action (action.yml), the pre-commit hook
// (.pre-commit-hooks.yaml), the GoReleaser configuration
// (.goreleaser.yaml), the container image (Dockerfile) and the CI
// examples under docs/ci. It has no code of its own: those files are
// data, and these tests check them against the tools' published schemas
// and run their scripts locally against fixtures.
package citest
