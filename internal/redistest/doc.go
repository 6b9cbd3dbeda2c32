// Package redistest starts real redis-server processes for tests: plain,
// with requirepass, with ACL users, with TLS (test-generated certificates)
// and mutual TLS. Each server listens on a free loopback port chosen at
// start — never 6379, so a Redis already running on the machine is never
// touched — keeps its files in the test's temporary directory, and is
// killed by t.Cleanup. Kill and Restart (same port, same configuration)
// drive failure tests.
//
// Ownership: the test goroutine that calls Start owns the process; Kill,
// Restart and cleanup run on it. A reaper goroutine per process waits for
// its exit and is itself waited for by Kill.
//
// A missing redis-server binary fails the test with a message saying what
// to install; it never skips.
package redistest
