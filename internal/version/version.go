package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// unknown stands for a fact the build did not record.
const unknown = "unknown"

// Info describes one build of sidecast.
type Info struct {
	// Version is the module version: a release tag (v1.2.3), a Go
	// pseudo-version for an untagged commit, or "(devel)" for a build
	// without version control information.
	Version string
	// Commit is the full revision id of the source, or "unknown".
	Commit string
	// CommitTime is the commit's time in RFC 3339 (UTC), or "unknown". It is
	// the time of the source, not of the build.
	CommitTime string
	// Modified reports uncommitted changes in the tree that was built.
	Modified bool
	// GoVersion is the toolchain that built the binary (go1.26.0).
	GoVersion string
}

// Get returns the running binary's build information.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return resolve(bi, stamps{version: version, commit: commit, commitTime: commitTime})
}

// FromBuildInfo is what Get says in a binary that carries bi and no
// -ldflags overrides: tests read another binary's information with
// debug/buildinfo and hold its version command to it.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	return resolve(bi, stamps{})
}

// stamps are the -ldflags overrides.
type stamps struct {
	version, commit, commitTime string
}

// resolve merges the build information (nil when the binary carries none)
// with the link-time overrides, which win where set.
func resolve(bi *debug.BuildInfo, s stamps) Info {
	info := Info{Version: "(devel)", Commit: unknown, CommitTime: unknown, GoVersion: runtime.Version()}
	if bi != nil {
		if v := bi.Main.Version; v != "" {
			info.Version = v
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				info.Commit = kv.Value
			case "vcs.time":
				info.CommitTime = kv.Value
			case "vcs.modified":
				info.Modified = kv.Value == "true"
			}
		}
	}
	if s.version != "" {
		info.Version = s.version
	}
	if s.commit != "" {
		info.Commit = s.commit
	}
	if s.commitTime != "" {
		info.CommitTime = s.commitTime
	}
	// Go marks a version built from a dirty tree with "+dirty"; an
	// override made by a release script may say so the same way.
	if strings.HasSuffix(info.Version, "+dirty") {
		info.Modified = true
	}
	return info
}

// String is the one-line form printed by the version command and at
// start-up: "sidecast v1.2.3 (commit 0123abcd, 2026-12-07T00:00:00Z, go1.26.0)".
// A dirty tree adds ", modified".
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sidecast %s (commit %s, %s, %s", i.Version, i.ShortCommit(), i.CommitTime, i.GoVersion)
	if i.Modified {
		b.WriteString(", modified")
	}
	b.WriteByte(')')
	return b.String()
}

// ShortCommit is the first 12 characters of the commit id, as git prints
// abbreviated ids in logs; "unknown" stays as it is.
func (i Info) ShortCommit() string {
	if len(i.Commit) > 12 && i.Commit != unknown {
		return i.Commit[:12]
	}
	return i.Commit
}
