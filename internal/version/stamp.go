package version

// Link-time overrides, set by the release build (see the Makefile's release
// target and the Dockerfile) with
//
//	-ldflags "-X github.com/sidecast/sidecast/internal/version.version=v1.2.3
//	          -X github.com/sidecast/sidecast/internal/version.commit=<sha>
//	          -X github.com/sidecast/sidecast/internal/version.commitTime=<RFC 3339>"
//
// They are plain string variables because -X can set nothing else. An empty
// value leaves the build information's own value in place.
var (
	version    string
	commit     string
	commitTime string
)
