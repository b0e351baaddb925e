package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfo(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	tests := []struct {
		name               string
		stampVer, stampSHA string
		bi                 *debug.BuildInfo
		want               string
	}{
		{"go install at a tag", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}},
			"apimlab v0.3.0\ncommit  unknown (built without VCS information)\ngo      go1.26.8 linux/amd64\n"},
		{"checkout build with VCS stamps", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "0123abcd", "vcs.time", "2026-12-03T10:00:00Z", "vcs.modified", "true")},
			"apimlab devel\ncommit  0123abcd (2026-12-03T10:00:00Z), with uncommitted changes\ngo      go1.26.8 linux/amd64\n"},
		{"release stamps win", "v1.0.0", "feedbeef", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.9.0"},
			Settings: vcs("vcs.revision", "0123abcd", "vcs.modified", "false")},
			"apimlab v1.0.0\ncommit  feedbeef\ngo      go1.26.8 linux/amd64\n"},
		{"pseudo-version from go install at a commit", "", "", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Version: "v0.0.0-20261203100000-0123abcdef01"}},
			"apimlab v0.0.0-20261203100000-0123abcdef01\ncommit  unknown (built without VCS information)\ngo      go1.26.8 linux/amd64\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildInfoOf(tt.stampVer, tt.stampSHA, tt.bi, "linux/amd64").String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	// Without build information the toolchain still answers.
	if got := buildInfoOf("", "", nil, "linux/amd64"); got.Version != "devel" || !strings.HasPrefix(got.Go, "go") {
		t.Errorf("no build info: %+v", got)
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "apimlab "+Version+"\n") || !strings.Contains(out, "\ngo      go") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}
