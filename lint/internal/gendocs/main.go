// Command gendocs writes docs/rules.md from the rule catalogue. It is run
// by `go generate ./lint/...` (see lint/rules/all.go).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
)

func main() {
	out := flag.String("o", "docs/rules.md", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	var buf bytes.Buffer
	if err := lint.WriteMarkdown(&buf, rules.All); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
