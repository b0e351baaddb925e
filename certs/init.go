package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadmeName is the file Init writes to describe the others.
const ReadmeName = "README.md"

// Init generates a test PKI (see NewPKI) and writes it to dir, creating dir
// if needed: every certificate as PEM, every key as PKCS#8 PEM, every leaf
// as PFX (modern encryption), CA certificates as DER, the broken PFX
// variants (legacy encryption, no private key, missing intermediate) and a
// README.md describing each file. File names do not depend on the options.
// Unless opts.Force is set, Init fails with ErrExists before writing
// anything if one of the files exists. Private keys are written 0600.
func Init(dir string, opts InitOptions) ([]File, error) {
	p, err := NewPKI(opts)
	if err != nil {
		return nil, err
	}
	files := p.files()
	files = append(files, File{Name: ReadmeName, What: "This description", Scenario: "-",
		render: func() ([]byte, error) { return p.readme(files, opts.Password == ""), nil }})

	if !opts.Force {
		for _, f := range files {
			_, err := os.Lstat(filepath.Join(dir, f.Name))
			if err == nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(dir, f.Name), ErrExists)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	data := make([][]byte, len(files))
	for i, f := range files {
		if data[i], err = f.render(); err != nil {
			return nil, fmt.Errorf("certs: rendering %s: %w", f.Name, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for i := range files {
		f := &files[i]
		f.Path = filepath.Join(dir, f.Name)
		f.render = nil
		perm := os.FileMode(0o644)
		if f.Private {
			perm = 0o600
		}
		if err := os.WriteFile(f.Path, data[i], perm); err != nil {
			return nil, err
		}
		if err := os.Chmod(f.Path, perm); err != nil { // WriteFile keeps an existing file's mode
			return nil, err
		}
	}
	return files, nil
}
