package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Release builds stamp these with -ldflags "-X main.version=v1.2.3
// -X main.commit=<sha>" (see .goreleaser.yaml). Other builds leave them
// empty and the build information the Go toolchain records answers.
var (
	version string
	commit  string
)

// Version is apimlab's version as every report records it and
// `apimlab version` prints it: the release stamp, else the module
// version of `go install github.com/apimlab/apimlab/cmd/apimlab@v1.2.3`,
// else "devel" (a build from a checkout).
var Version = readBuildInfo().Version

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version, the commit and the Go toolchain.
func (c *VersionCmd) Run(g *Globals) error {
	_, err := fmt.Fprint(g.Stdout, readBuildInfo().String())
	return err
}

// buildInfo is what `apimlab version` reports.
type buildInfo struct {
	Version  string
	Commit   string // "" when unknown
	Time     string // commit time, RFC 3339; "" when unknown
	Modified bool   // built from a working tree with uncommitted changes
	Go       string // toolchain version
	Platform string // GOOS/GOARCH
}

func readBuildInfo() buildInfo {
	bi, _ := debug.ReadBuildInfo()
	return buildInfoOf(version, commit, bi, runtime.GOOS+"/"+runtime.GOARCH)
}

// buildInfoOf combines the release stamps with the toolchain's build
// information (nil when the binary has none).
func buildInfoOf(stampVersion, stampCommit string, bi *debug.BuildInfo, platform string) buildInfo {
	info := buildInfo{Version: stampVersion, Commit: stampCommit, Platform: platform, Go: runtime.Version()}
	if bi != nil {
		info.Go = bi.GoVersion
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		info.Version = "devel"
	}
	return info
}

// String renders the information as `apimlab version` prints it.
func (b buildInfo) String() string {
	c := "unknown (built without VCS information)"
	if b.Commit != "" {
		c = b.Commit
		if b.Time != "" {
			c += " (" + b.Time + ")"
		}
		if b.Modified {
			c += ", with uncommitted changes"
		}
	}
	return fmt.Sprintf("apimlab %s\ncommit  %s\ngo      %s %s\n", b.Version, c, b.Go, b.Platform)
}
