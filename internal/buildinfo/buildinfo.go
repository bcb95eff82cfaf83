// Package buildinfo holds the version, commit and build date stamped into the
// binary at build time with -ldflags "-X".
package buildinfo

import "runtime/debug"

// These are set with -ldflags "-X github.com/hsedigital/hse/internal/buildinfo.Version=...".
// They are variables, not constants, because the linker can only overwrite variables.
var (
	Version   = "dev"
	Commit    = ""
	BuildDate = ""
)

// Info is the build description shown by `hse version` and the health endpoint.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"buildDate"`
}

// Get returns the build information, falling back to the VCS data that the Go
// toolchain embeds when the binary was built without -ldflags.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, BuildDate: BuildDate}
	if info.Commit != "" && info.BuildDate != "" {
		return info
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.BuildDate == "" {
				info.BuildDate = s.Value
			}
		}
	}
	return info
}
