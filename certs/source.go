package certs

import (
	"errors"
	"fmt"
	"os"
)

// Source is certificate material named by configuration (an apimlab config
// file or CLI flags): a PEM/PFX file and where its password comes from.
type Source struct {
	// File is the path of the PEM, PFX, base64-PFX or DER file.
	File string `json:"file" yaml:"file"`
	// PasswordEnv names an environment variable holding the PFX password.
	// Used when Password is empty.
	PasswordEnv string `json:"passwordEnv,omitempty" yaml:"passwordEnv,omitempty"`
	// Password is the PFX password itself (test material only; prefer
	// PasswordEnv). If both are empty the password is "".
	Password string `json:"password,omitempty" yaml:"password,omitempty"`
}

// Load resolves the password and loads File with LoadFile. lookupEnv reads
// environment variables; if nil, os.LookupEnv. A PasswordEnv that is not set
// fails with ErrPasswordEnvUnset naming the variable (not its value).
func (s Source) Load(lookupEnv func(string) (string, bool)) (*Material, error) {
	if s.File == "" {
		return nil, errors.New("certs: source has no file")
	}
	pw, err := s.password(lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	return LoadFile(s.File, pw)
}

func (s Source) password(lookupEnv func(string) (string, bool)) (string, error) {
	if s.Password != "" || s.PasswordEnv == "" {
		return s.Password, nil
	}
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	v, ok := lookupEnv(s.PasswordEnv)
	if !ok {
		return "", fmt.Errorf("%w: $%s", ErrPasswordEnvUnset, s.PasswordEnv)
	}
	return v, nil
}
