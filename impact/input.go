package impact

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
)

// ErrInput is wrapped by every error about a base or head input.
var ErrInput = errors.New("impact: input")

// Side is one of the two configurations compared: files on disk or a
// revision read from git.
type Side struct {
	// Label names the side in reports ("base", "head").
	Label string
	// Spec is what the user gave ("infra/", "git:origin/main:infra").
	Spec string
	// Root is the folder findings' files are compared relative to: the
	// input folder (or the folder of an input file), on disk or in the
	// extraction folder of a git revision. Base and head findings in files
	// at the same place under their roots are the same findings.
	Root string
	// shown is what Root is called in reports: the path as given, or the
	// path in the repository for git inputs.
	shown string
	// Paths are the files or folders loaded.
	Paths []string
	// Service is the loaded configuration.
	Service *apim.Service

	tmp string // extraction folder to remove, "" when none
}

// Close removes what Open extracted.
func (s *Side) Close() {
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
	}
}

// Rel returns file relative to Root, with forward slashes ("" stays "").
func (s *Side) Rel(file string) string {
	if file == "" {
		return ""
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.ToSlash(file)
	}
	if rel, err := filepath.Rel(s.Root, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(file)
}

// Display maps a file of this side to what the user knows: the path under
// the input as given, or the path in the repository for git inputs
// ("infra/apim.json" instead of a temporary folder).
func (s *Side) Display(file string) string {
	rel := s.Rel(file)
	if rel == "" || filepath.IsAbs(filepath.FromSlash(rel)) {
		return rel
	}
	return path.Join(s.shown, rel)
}

// Open loads one side. spec is a file or folder, or git:REF:PATH to read
// PATH (the whole tree when omitted) as it is at REF in the git repository of the working directory
// (`git ls-tree` and `git show`, so CI needs no second checkout).
// Parameters files apply as in apimlab lint.
func Open(label, spec string, params []string) (*Side, error) {
	s := &Side{Label: label, Spec: spec}
	if rest, ok := strings.CutPrefix(spec, "git:"); ok {
		ref, p, _ := strings.Cut(rest, ":")
		if ref == "" {
			return nil, fmt.Errorf("%w: %s %q: write git:REF:PATH (git:origin/main:infra)", ErrInput, label, spec)
		}
		if p == "" {
			p = "."
		}
		dir, err := os.MkdirTemp("", "apimlab-impact-")
		if err != nil {
			return nil, err
		}
		s.tmp = dir
		if err := extract(ref, p, dir); err != nil {
			s.Close()
			return nil, fmt.Errorf("%w: %s %q: %v", ErrInput, label, spec, err)
		}
		s.Paths = []string{filepath.Join(dir, filepath.FromSlash(p))}
		s.Root, s.shown = s.Paths[0], path.Clean(p)
	} else {
		abs, err := filepath.Abs(spec)
		if err != nil {
			return nil, err
		}
		s.Paths, s.Root, s.shown = []string{spec}, abs, filepath.ToSlash(filepath.Clean(spec))
	}
	if st, err := os.Stat(s.Root); err == nil && !st.IsDir() {
		s.Root, s.shown = filepath.Dir(s.Root), path.Dir(s.shown)
	}
	svc, err := load.Load(s.Paths, load.Options{Parameters: params})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%w: %s %q: %v", ErrInput, label, spec, err)
	}
	s.Service = svc
	return s, nil
}

// extract writes the files under p at ref into dir, keeping their paths.
func extract(ref, p, dir string) error {
	out, err := git("ls-tree", "-r", "-z", "--name-only", ref, "--", p)
	if err != nil {
		return err
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("no file at %s:%s", ref, p)
	}
	for _, f := range files {
		data, err := git("show", ref+":"+f)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path.Clean(f)))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// git runs git in the working directory and returns its standard output.
func git(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", strings.Join(args[:min(len(args), 2)], " "), msg)
	}
	return out, nil
}
