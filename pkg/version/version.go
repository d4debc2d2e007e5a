// Package version carries the build's version, set by the linker:
//
//	go build -ldflags "-X github.com/kubectl-harden/kubectl-harden/pkg/version.Version=v0.1.0 ..."
package version

import (
	"fmt"
	"runtime"
)

// Set at build time with -ldflags -X; the defaults mark a development build.
var (
	Version = "v0.0.0-dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// Info is the version as printed by `kubectl harden version`.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// String is the version as one line.
func (i Info) String() string {
	return fmt.Sprintf("kubectl-harden %s (commit %s, built %s, %s, %s)", i.Version, i.Commit, i.Date, i.GoVersion, i.Platform)
}

// Get returns the build's version information.
func Get() Info {
	return Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}
