// Package version says which build of sidecast is running: the module
// version, the commit and the commit's time, whether the tree had
// uncommitted changes, and the Go toolchain.
//
// Data flow: the Go linker stamps the module version and the version
// control information (-buildvcs) into every binary built from a checkout;
// runtime/debug.ReadBuildInfo reads them back. A build without the .git
// folder (an image build, whose context leaves it out) passes the same facts
// through -ldflags "-X" into the variables in stamp.go, which take
// precedence over the build information. The commit time, not the build
// time, is recorded, so two builds of one commit are byte-identical.
//
// The package holds no state besides the link-time variables and starts no
// goroutine; Get is safe to call from any goroutine.
package version
